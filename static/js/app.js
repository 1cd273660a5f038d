/* Starts Det Fælles Designsystem's components (menus, accordions, …). A file of its own rather
   than an inline script: the Content-Security-Policy allows no inline script. */
DKFDS.init();

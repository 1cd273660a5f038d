"""Form renderer that renders every Django form in Det Fælles Designsystem (DKFDS) markup.

Activated with ``FORM_RENDERER = "housing.forms_renderer.DesignSystemFormRenderer"``.
``TemplatesSetting`` looks the templates up through the TEMPLATES setting, so
``templates/forms/*.html`` are found, and ``django.forms`` in INSTALLED_APPS provides
Django's own widget templates.
"""

from django.forms.renderers import TemplatesSetting


class DesignSystemFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

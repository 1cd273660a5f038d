"""The law of elder housing as pure functions over plain data: the guarantee's deadlines
(§§ 16–17) and the need ranking of candidates for a vacant dwelling (§ 14, § 20, stk. 2)."""

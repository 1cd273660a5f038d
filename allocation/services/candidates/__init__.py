"""The candidates for a vacancy, read from the database a slice at a time.

``allocation.rules.ranking.rank`` is the law; this module only decides *which* entries it needs
to see so that its top ``limit`` is the same as on every candidate. A candidate is an entry that
is not deleted, stands on one of the vacancy's lists and wants the department: its wished
departments include it, or it wished for none (the pure function reads no wish as "any
department of the list"). The lists are the organisation's general list — its own or the shared
list it belongs to (R3.2) — and, on the § 7 turn, its internal list (*oprykningsventeliste*);
a youth dwelling has the youth list(s) instead.

**Slices.** The ranking orders the eligible candidates by a key whose tail is the list order:
``(tier, seniority_date, id)`` on the general list, ``(tier, r4, not listed_before_seniority_scheme,
seniority_date, id)`` on the internal list (R9.4), ``(group, seniority_date, id)`` on a youth list
(the priority group of the § 12, stk. 2 letting guideline in force, R12.2; one group without one).
(A list's candidates placed on the other list's turn for a dwelling fitted for mobility — § 5,
stk. 2–3, § 10, stk. 3–4 — have tiers of their own and are read whole.)
A *slice* is a set S of eligible candidates with a key prefix k such that every candidate whose
prefix is k lies in S and everything in S has a prefix ≤ k. Take the first ``limit`` of S in list
order. If candidate c is among the overall top ``limit``, every member of c's slice that comes
before c in list order has a prefix ≤ k and an earlier list position, so it also comes before c
overall: fewer than ``limit`` of them exist and c is in the slice's first ``limit``. So the union
U of the slices' heads holds the overall top ``limit``, and since every other member of U ranks
below all of them, ``rank(U)`` places exactly the same candidates first, with the same ranks
and explanations. Splitting a slice into parts and taking each part's head keeps this true
(the internal list is split by ``listed_before_seniority_scheme`` so each part walks the queue
index in order), and adding any further candidates to U (the sparse tiers, read whole) does no harm.

R9.4 does not break this: on the internal list the key is ``(tier, r4, not
listed_before_seniority_scheme, seniority_date, id)``, so within one prefix (tier, r4) everyone on
the list before the R9.3 decision comes first. Each slice is split into its
``listed_before_seniority_scheme`` parts; inside a part the key order *is* the seniority order
the index gives, so each part's head is exact by the argument above, and the union of the parts'
heads holds the slice's head.

* Dense slices — everyone eligible (R2.1 / R9 / youth), R4 households with children, the
  members of each youth priority group (R12.2: conditions on the entry row's own columns), § 7
  holders the § 4 agreement does not put back — are "the first ``limit`` in list order
  satisfying a predicate": PostgreSQL
  walks ``entry_queue_idx (waiting_list, status, seniority_date, id)`` and stops early. The
  predicate is written so that it must: subqueries as scalar probes (``_probe``; an ``EXISTS``
  may be turned into a join that reads a whole table first) inside one opaque ``CASE``
  (``_opaque``; the planner would otherwise guess that few rows pass and sort the whole list).
  On the internal list the parts walk an index on ``(waiting_list, status,
  listed_before_seniority_scheme, seniority_date, id)`` when there is one; without it the
  ``listed_before_seniority_scheme = true`` part reads the whole list (fine for the internal
  lists of life, slow for one of 100,000 entries).
* Sparse tiers — documented needs (R5.1–R5.3, R10.2–R10.4, only for a dwelling fitted so; for
  a dwelling fitted for mobility also the other list's holders of that need), boliggarantibeviser
  for this department (R6, with and without children: R6.3), separation priorities (R8.2),
  tenants rehoused outside the organisation who kept their internal seniority (R9.2; a partial
  index holds them) — are read whole,
  driven from their own tables (a few rows each), never by walking the list; so are the
  tenants of the vacancy's own department (R10.1: one current lease per dwelling). The § 7
  holders' slices name the organisation's tenants too, so the planner may start from the
  leases when few on the internal list are tenants.

The eligibility predicate (``_fits``) mirrors the pure function's exclusions exactly (passive,
wishes, and the youth groups of R12.1/R13), because a slice's head must be its first ``limit``
*eligible* members. An unpaid fee (R3.3) and overcrowding (R26) exclude nobody — they are flags
the pure function puts on the placed — so ``_fits`` does not test them either. The facts handed
to ``rank`` are computed by the same SQL expressions, so the predicate and the facts cannot
disagree about a household's size or children, a guarantee or the dwelling given up.
(``tests/allocation/services/test_ranking_db.py`` compares it all with ``rank`` over every
candidate read the slow way.)

**Passed over.** The same statement reads, per list that may be shown (and per R9.4 part of the
internal list), the first ``cap`` passive and the first ``cap`` active but excluded (wishes, youth
group; on the internal list also without § 7 or R8.2 priority), from the top of the list. Only the
first ``cap`` of their union in list order can be shown, so only they are read in full and given
their reasons by ``rank``; after ranking, those behind
the last placed one are dropped and the rest counted by their list position — exactly, unless a
kind came back full with all of it still ahead of the last placed one. Then the count needs one
more query, which ``vacancy_ranking`` defers until somebody reads it (the API does, the vacancy
page does not): with fewer than ``limit`` placed, every candidate ahead of the last placed is
counted with the wish test alone and the placed taken away (``ahead_slices``); otherwise each kind
of exclusion by its own test (``excluded_slices``); each part up to ``COUNT_CAP``.

**The internal turn** reads the internal list first: its slices hold only eligible priority
holders, so if they find anybody the turn stays internal and the general list is not read at all;
only when they find nobody (R7) is the general list read, in a second statement.

**One statement per shape.** The slices, the choice of the entries whose facts ``rank`` needs
and those facts are one statement (``statement``), written by hand as SQL text from the plan's
``Shape`` — what decides the text: the kinds of lists, the dwelling's kind and fittings, the tiers
the decisions in force make possible — with every value (the lists' ids, the department, the
day, the dwelling's rooms and rent, the entries skipped…) a named parameter. So the text is built
once per shape (microseconds; the ORM took tens of milliseconds), prepared once per database
connection and run with each plan's values (``binding``); its rows are plain tuples.

Standard SQL is used (subqueries in ``FROM`` with ``ORDER BY``/``LIMIT``, ``UNION ALL``, ``CASE``,
window functions), so it runs on SQLite as well; ``jsonb`` containment, arrays and the lateral
join for the dwelling given up have portable forms there.

The modules: ``plan`` (the shape and the values one ranking binds; ``queue_key``),
``conditions`` (each fact as an SQL condition on an entry row), ``slices`` (the slices and the
counts), ``facts`` (the candidates' facts for ``rank``), ``statement`` (the one statement, prepared)
and ``binding`` (the values as the driver is to receive them).
"""

from .binding import Ids, Texts, adapted
from .conditions import ANY, Sql
from .facts import FACT_FIELDS, candidate, facts_sql
from .plan import (
    COUNT_CAP,
    NO_TRANSFER_PRIORITY_KINDS,
    Plan,
    QueueKey,
    Shape,
    born_on_or_before,
    lists_of_organisation,
    moved_in_on_or_before,
    plan_for,
    queue_key,
)
from .slices import (
    KEY_FIELDS,
    Slice,
    ahead_slices,
    bound_values,
    count_excluded,
    excluded_slices,
    placed_slices,
    union_sql,
)
from .statement import Found, Piece, Statement, prepared_cursor, run, statement_for

__all__ = [
    "ANY",
    "COUNT_CAP",
    "FACT_FIELDS",
    "KEY_FIELDS",
    "NO_TRANSFER_PRIORITY_KINDS",
    "Found",
    "Ids",
    "Piece",
    "Plan",
    "QueueKey",
    "Shape",
    "Slice",
    "Sql",
    "Statement",
    "Texts",
    "adapted",
    "ahead_slices",
    "born_on_or_before",
    "bound_values",
    "candidate",
    "count_excluded",
    "excluded_slices",
    "facts_sql",
    "lists_of_organisation",
    "moved_in_on_or_before",
    "placed_slices",
    "plan_for",
    "prepared_cursor",
    "queue_key",
    "run",
    "statement_for",
    "union_sql",
]

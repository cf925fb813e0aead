"""One comparator per kind: (desired, recorded, live) of one resource -> Changes in the draft.

Each comparator reads a `PlanningContext` (what is recorded, what is live) and writes to a
`DraftPlan`. Projects drive the walk: `project.plan_project` calls the dataset comparator for
each dataset key, then the model comparator for each model key, passing how the parent is
handled and what the model's dataset gets.
"""

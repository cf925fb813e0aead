"""One comparator per kind: (desired, recorded, live) of one resource -> Changes on the Planner.

Projects drive the walk: `project.plan_project` calls the dataset comparator for each dataset
key and then the model comparator for each model key, passing how the parent is handled.
"""

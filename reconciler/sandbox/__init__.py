"""A model of Bria's Tailored Generation training API. Imports nothing else from reconciler.

Entry point: `reconciler.sandbox.app.create_app(...)` (a FastAPI app; Bria's routes under
`/v1`, test controls under `/_sandbox`). Layout: `routes/` adapt HTTP to the per-area backend
objects (`projects`, `datasets`, `images`, `bulk`, `models`, `generation`, joined in
`backend.Backend`); `store` persists everything in SQLite; `clock` is simulated time;
`faults` injects unreliability; `files` is the file host and the only URL fetcher; `imaging`
does the Pillow work; `constraints` carries the reference's constraint ids.
"""

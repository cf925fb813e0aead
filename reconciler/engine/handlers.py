"""Step kind -> the client call that carries it out: one explicit registry, `HANDLERS`.

A handler receives the run's context and one step (`engine/run_context.py`), performs the call,
and returns what the executor records (`Outcome`). The handlers live by resource kind in
`engine/steps/`; creates journal themselves (`engine/journaled_create.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.engine.run_context import Handler
from reconciler.engine.steps import bulk, clone, dataset, fibo, forget, image, model, project
from reconciler.plan.model import StepKind

HANDLERS: Mapping[StepKind, Handler] = {
    StepKind.CREATE_PROJECT: project.create_project,
    StepKind.UPDATE_PROJECT: project.update_project,
    StepKind.DELETE_PROJECT: project.delete_project,
    StepKind.CREATE_DATASET: dataset.create_dataset,
    StepKind.CLONE_DATASET: clone.clone_dataset,
    StepKind.UPDATE_DATASET: dataset.update_dataset,
    StepKind.GENERATE_PREFIX: dataset.generate_prefix,
    StepKind.SET_CAPTION_PREFIX: dataset.set_caption_prefix,
    StepKind.GENERATE_VISUAL_SCHEMA: fibo.generate_visual_schema,
    StepKind.REFINE_VISUAL_SCHEMA: fibo.refine_visual_schema,
    StepKind.SET_VISUAL_SCHEMA: fibo.set_visual_schema,
    StepKind.REGENERATE_CAPTIONS: dataset.regenerate_captions,
    StepKind.WAIT_CAPTIONS: dataset.wait_captions_step,
    StepKind.COMPLETE_DATASET: dataset.complete_dataset,
    StepKind.DELETE_DATASET: dataset.delete_dataset,
    StepKind.UPLOAD_IMAGE: image.upload_image,
    StepKind.UPDATE_CAPTION: image.update_caption,
    StepKind.REGENERATE_CAPTION: image.regenerate_caption,
    StepKind.DELETE_IMAGE: image.delete_image,
    StepKind.BUILD_ZIP: bulk.build_zip,
    StepKind.STAGE_ZIP: bulk.stage_zip,
    StepKind.BULK_UPLOAD: bulk.bulk_upload,
    StepKind.WAIT_BULK_UPLOAD: bulk.wait_bulk_upload_step,
    StepKind.CREATE_MODEL: model.create_model,
    StepKind.UPDATE_MODEL: model.update_model,
    StepKind.START_TRAINING: model.start_training,
    StepKind.STOP_TRAINING: model.stop_training,
    StepKind.WAIT_TRAINING_STOPPED: model.wait_training_stopped,
    StepKind.DELETE_MODEL: model.delete_model,
    StepKind.FORGET: forget.forget,
}
"""Every StepKind has exactly one handler (checked by a test)."""

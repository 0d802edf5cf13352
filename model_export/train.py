"""train: EfficientNet-B0 (Keras, from scratch) on the device's model input.

    python -m model_export train --data build/prepared/train.npz --out build/runs/NAME

No pretrained weights can be downloaded, so the network starts from random
weights (weights=None). The input is produced by device.expression.preprocess
(the function the device uses), with --detail at a fixed level of detail
(see preprocess.DETAIL_PX), augmented as in augment.py. Classes are balanced with
class weights; the folder labels are kept, and with --votes the images FER+
annotators call not a face are left out (model_export/vote_targets.py
says why). With --vote-share W the training targets blend the folder label with
the annotators' vote shares (weight W); validation keeps the folder labels.
With --init the network starts from an earlier run's model instead of
random weights. With --extra, faces of other folders that most annotators
give one of the classes train as that class (with_added_faces). With
--mixup pairs of faces are blended (augment.py). A stratified part of the
training data is held out for validation and early stopping
(val_indices.npy); the seed is fixed; the history is saved.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from device.expression.preprocess import DETAIL_PX, PREPROCESSING_VERSION, InputSpec, Representation
from device.expression.votes import Votes
from model_export.augment import augmented_input, mixed_pairs
from model_export.common import (
    DEFAULT_CLASSES,
    DefaultsHelp,
    Prepared,
    code_commit,
    read_source,
    record_command,
    write_json,
)
from model_export.vote_targets import not_a_face, soft_targets, strongest_class


def stratified_split(labels: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    train: list[int] = []
    val: list[int] = []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cut = max(1, round(len(members) * fraction))
        val.extend(members[:cut])
        train.extend(members[cut:])
    return rng.permutation(np.array(train)), np.array(sorted(val))


def build_model(size: int, channels: int, classes: int) -> Any:
    """EfficientNet-B0's architecture in its Lite form (as Google's EfficientNet-Lite0).

    The Lite form drops squeeze-and-excitation and uses ReLU6 instead of swish:
    same widths, depths and MBConv blocks, but activations with a bounded range,
    so full-integer int8 keeps the float model's accuracy. The plain B0 lost it:
    its sigmoid gates and unbounded swish outputs piled up quantization error
    until the int8 outputs were nearly uniform (see the model card's history).
    """
    import keras
    from keras.src.applications import efficientnet  # the builder behind keras.applications.EfficientNetB0

    blocks = [{**block, "se_ratio": 0.0} for block in efficientnet.DEFAULT_BLOCKS_ARGS]
    model = efficientnet.EfficientNet(
        width_coefficient=1.0,
        depth_coefficient=1.0,
        default_size=224,
        activation="relu6",
        blocks_args=blocks,
        name="efficientnet_lite_b0",
        weights=None,
        input_shape=(size, size, channels),
        classes=classes,
        classifier_activation="softmax",
    )
    # Keras' default batch-norm momentum (0.99) suits fine-tuning; from scratch,
    # with a few hundred steps an epoch, the moving statistics lag so far that
    # validation accuracy stays at chance for several epochs. 0.9 tracks them.
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.9
    # ReLU6 features average about 3 over 1280 channels, so B0's classifier
    # initialisation (tuned for swish) starts with logits in the tens: softmax
    # saturates and training sits at chance. Small initial weights start it
    # near uniform predictions.
    head = model.get_layer("predictions")
    kernel, bias = head.get_weights()
    rng = np.random.default_rng(0)
    head.set_weights([rng.normal(0.0, 0.01, kernel.shape).astype(kernel.dtype), bias])
    return model


def starting_model(args: Any, spec: InputSpec, classes: int) -> Any:
    """A new network, or with --init an earlier run's best model to continue
    from (a warm restart of the schedule): its input must be this one."""
    if not args.init:
        return build_model(spec.size, spec.representation.channels, classes)
    import keras

    model = keras.models.load_model(args.init, compile=False)
    expected = (None, spec.size, spec.size, spec.representation.channels)
    if tuple(model.input_shape) != expected:
        raise SystemExit(
            f"{args.init} takes input {model.input_shape}, not {expected}: give the same --size and --representation"
        )
    return model


def batch_progress(epoch: int, epochs: int, batches: int) -> Any:
    """A Keras callback showing the epoch's batches as they pass, with an
    ETA (an epoch of the full dataset takes minutes on a CPU)."""
    import keras
    from tqdm import tqdm

    class BatchProgress(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            self.bar = tqdm(total=batches, desc=f"epoch {epoch}/{epochs}", unit="batch", leave=False)

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self.bar.update(1)

        def on_train_end(self, logs: Any = None) -> None:
            self.bar.close()

    return BatchProgress()


def fit_epochs(
    model: Any,
    data: Prepared,
    spec: InputSpec,
    args: Any,
    *,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    class_weight: np.ndarray,
    rng: np.random.Generator,
    train_targets: np.ndarray,
    face_class: np.ndarray,
) -> tuple[dict[str, list[float]], int]:
    """Train epoch by epoch; keep the best epoch's model. `train_targets` holds
    one target row per prepared face, `face_class` its strongest class (see
    vote_targets.strongest_class), which sets its weight (`class_weight` per class)
    and what validation scores. Returns the history and the best epoch's index."""
    val_x = data.inputs(val_idx, spec).astype(np.float32)
    # Validation scores what training aims at, so the best epoch is chosen for
    # it: the folder labels, or with --vote-share each face's strongest class.
    val_y = np.eye(len(data.classes))[face_class[val_idx]]
    history: dict[str, list[float]] = {}
    best = -1
    start = time.monotonic()
    deadline = start + args.max_minutes * 60 if args.max_minutes else None
    # One fit() per epoch on arrays augmented afresh: Keras' PyDataset adapter
    # made each step 2.8 times slower than the same batches from arrays.
    for epoch in range(args.epochs):
        order = rng.permutation(train_idx)
        x = np.stack([augmented_input(data.crops[j], data.points[j], spec, rng) for j in order])
        x, y = mixed_pairs(x, train_targets[order], args.mixup, rng)
        logs = model.fit(
            x,
            y,
            batch_size=args.batch,
            epochs=1,
            shuffle=False,
            # each face's own weight, whatever its partner in a mixup blend
            sample_weight=class_weight[face_class[order]],
            validation_data=(val_x, val_y),
            verbose=0,
            callbacks=[batch_progress(epoch + 1, args.epochs, -(-len(order) // args.batch))],
        ).history
        for key, values in logs.items():
            history.setdefault(key, []).append(float(values[-1]))
        write_json(args.out / "history.json", history)
        summary = ", ".join(f"{k} {v[-1]:.4f}" for k, v in history.items())
        print(f"epoch {epoch + 1}/{args.epochs} ({(time.monotonic() - start) / 60:.1f} min): {summary}", flush=True)
        if best < 0 or history["val_accuracy"][-1] > history["val_accuracy"][best]:
            best = epoch  # the best epoch's model is what is kept, whichever way training ends
            model.save(args.out / "model.keras")
        elif epoch - best >= args.patience:
            print(f"no better validation accuracy for {args.patience} epochs: stopping")
            break
        if deadline is not None and time.monotonic() > deadline:
            print(f"time limit of {args.max_minutes} min reached after epoch {epoch + 1}")
            break
    return history, best


def train(args: Any) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    keras.utils.set_random_seed(args.seed)
    record_command(args.out, first=True)
    representation = Representation(args.representation)
    data = chosen_classes(Prepared.load(args.data), tuple(args.classes))
    rng = np.random.default_rng(args.seed)
    train_idx, val_idx = stratified_split(data.labels, args.val_fraction, rng)
    dropped = 0
    votes = training_votes(args)
    data, train_idx, added = with_added_faces(args.extra, votes, data, train_idx)
    targets = np.eye(len(data.classes))[data.labels]
    if votes is not None:
        # The folder labels stay (see vote_targets.py); what the annotators say is
        # not a face is left out of training and of validation.
        table, found = votes.table(data.paths)
        faces = ~not_a_face(table, found)
        dropped = int((~faces).sum())
        train_idx, val_idx = train_idx[faces[train_idx]], val_idx[faces[val_idx]]
        print(f"left out {dropped} images that FER+ annotators call not a face (or that FER+ dropped)")
        if args.vote_share:
            targets = soft_targets(data.labels, table, data.classes, args.vote_share)
            print(f"training targets: {1 - args.vote_share:.2f} folder label + {args.vote_share:.2f} FER+ vote shares")
    if args.limit:
        # The --extra faces come after the classes' own, so a limit drops them first.
        train_idx = train_idx[: args.limit]
    face_class = strongest_class(targets, data.labels)
    counts = np.bincount(face_class[train_idx], minlength=len(data.classes))
    class_weight = len(train_idx) / (len(counts) * np.maximum(counts, 1))  # balanced
    size, batch = args.size, args.batch
    spec = InputSpec(size, representation, args.detail or None)

    model = starting_model(args, spec, len(data.classes))
    per_epoch = int(np.ceil(len(train_idx) / batch))
    # Warm up for one epoch, then cosine decay to zero over the planned epochs:
    # a plateau-driven decay cut the rate to 1e-5 by epoch 20 on a noisy
    # validation loss, long before the network had converged.
    warmup = per_epoch if args.epochs > 1 else 0
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else args.learning_rate,
        decay_steps=per_epoch * args.epochs - warmup,
        warmup_target=args.learning_rate if warmup else None,
        warmup_steps=warmup,
    )
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=args.weight_decay)
    # Decay the convolution and dense kernels only: shrinking batch-norm
    # scales and biases regularises nothing and only fights the normalisation.
    optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=["accuracy"],
    )
    args.out.mkdir(parents=True, exist_ok=True)
    per_class = ", ".join(f"{c} {n}" for c, n in zip(data.classes, counts, strict=True))
    print(
        f"training on {len(train_idx)} faces ({per_class}), validating on {len(val_idx)}; "
        f"input {size}x{size}x{representation.channels} ({representation.value}, detail {spec.detail})"
    )

    start = time.monotonic()
    history, best = fit_epochs(
        model,
        data,
        spec,
        args,
        train_idx=train_idx,
        val_idx=val_idx,
        class_weight=class_weight,
        rng=rng,
        train_targets=targets.astype(np.float32),
        face_class=face_class,
    )
    duration = time.monotonic() - start
    write_json(
        args.out / "run.json",
        {
            "classes": list(data.classes),
            "representation": representation.value,
            "input_size": size,
            "detail_px": spec.detail,
            "preprocessing_version": PREPROCESSING_VERSION,
            "train_faces": len(train_idx),
            "val_faces": len(val_idx),
            "not_faces_left_out": dropped,
            "votes": str(args.votes) if args.votes else None,
            "vote_share": args.vote_share,
            "init": str(args.init) if args.init else None,
            "extra": str(args.extra) if args.extra else None,
            "extra_faces": added,
            "mixup": args.mixup,
            "class_counts": dict(zip(data.classes, map(int, counts), strict=True)),
            "epochs_run": len(history["loss"]),
            "best_epoch": best + 1,
            "best_val_accuracy": float(history["val_accuracy"][best]),
            "duration_s": round(duration),
            "seed": args.seed,
            "batch": batch,
            "learning_rate": args.learning_rate,
            "weight_decay": args.weight_decay,
            "architecture": "EfficientNet-B0, Lite form (no squeeze-excitation, ReLU6)",
            "val_indices_file": "val_indices.npy",
            "data": str(args.data),
            # What the prepared files were made from, copied now: a file
            # prepared again later cannot change what this run says it saw.
            "source": read_source(args.data),
            "extra_source": read_source(args.extra) if args.extra else None,
            "code_commit": code_commit(),
        },
    )
    np.save(args.out / "val_indices.npy", val_idx)
    print(
        f"best validation accuracy {history['val_accuracy'][best]:.1%} at epoch {best + 1}; "
        f"{duration / 60:.1f} min -> {args.out}"
    )
    return 0


def chosen_classes(prepared: Prepared, classes: tuple[str, ...]) -> Prepared:
    """The faces of `classes`, saying which classes the prepared data has that this run leaves out."""
    chosen = prepared.select(classes)
    counts = np.bincount(prepared.labels, minlength=len(prepared.classes))
    left_out = [f"{c} ({n} faces)" for c, n in zip(prepared.classes, counts, strict=True) if c not in classes]
    line = f"classes: {', '.join(classes)}"
    if left_out:
        line += f"; left out: {', '.join(left_out)} (--classes names the classes to train on)"
    print(line, flush=True)
    return chosen


def training_votes(args: Any) -> Votes | None:
    """The FER+ votes (--votes), read once; refused in one line where an
    option that needs them is given without them."""
    if args.votes:
        return Votes.load(args.votes)
    if args.vote_share:
        raise SystemExit("--vote-share needs --votes (the FER+ votes CSV)")
    if args.extra:
        raise SystemExit("--extra needs --votes (its faces are labelled by the annotators' majority)")
    return None


def with_added_faces(
    extra_path: Path | None, votes: Votes | None, data: Prepared, train_idx: np.ndarray
) -> tuple[Prepared, np.ndarray, int]:
    """With --extra: `data` and `train_idx` with the faces of other folders (a
    prepared .npz of, say, FER2013's angry, fear, surprise and disgust) that
    most FER+ annotators give one of the classes, labelled so, and how many.
    A third of the faces in the fear folder look neutral to most people and
    a fifth sad: the same faces the classes' own folders hold, filed
    elsewhere. They are appended and train only, so the validation split
    (indices into the classes' own folders) is the one every run draws."""
    if extra_path is None or votes is None:  # training_votes refuses --extra without --votes
        return data, train_idx, 0
    extra = Prepared.load(extra_path)
    label = votes.majority_of(extra.paths, data.classes)
    keep = label >= 0
    added = extra.subset(keep, label[keep], data.classes)
    counts = np.bincount(added.labels, minlength=len(data.classes))
    described = ", ".join(f"{c} {n}" for c, n in zip(data.classes, counts, strict=True))
    print(f"added {len(added.labels)} of {len(label)} faces from {extra_path} by the FER+ majority ({described})")
    joined_idx = np.concatenate([train_idx, len(data.labels) + np.arange(len(added.labels))])
    return data.joined(added), joined_idx, len(added.labels)


def share(text: str) -> float:
    """An argparse type: a weight from 0 to 1, refused at once with one line."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a weight from 0 to 1")
    return value


def mixup_alpha(text: str) -> float:
    """An argparse type: Beta(a, a)'s parameter, 0 (no mixup) or more."""
    value = float(text)
    if value < 0.0:
        raise argparse.ArgumentTypeError(f"{text} is negative: give 0 (no mixup) or more")
    return value


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "train",
        help="train EfficientNet-B0 on prepared data",
        description="Train EfficientNet-B0 on prepared data. The defaults below are a starting point, not the "
        "shipped model's recipe: docs/model-training.md gives that recipe's exact commands.",
        formatter_class=DefaultsHelp,
    )
    parser.add_argument("--data", type=Path, required=True, help="a prepared .npz (from prepare)")
    parser.add_argument("--out", type=Path, required=True, help="run folder")
    parser.add_argument(
        "--classes",
        nargs="+",
        default=list(DEFAULT_CLASSES),
        help="the classes to train on, in the model's order; the prepared data's others are left out (it says which)",
    )
    parser.add_argument(
        "--representation",
        choices=[r.value for r in Representation],
        default="both",
        help="what the network sees: the aligned crop, the landmark drawing, or both as two channels",
    )
    parser.add_argument("--size", type=int, default=96, help="input size in pixels")
    parser.add_argument(
        "--detail",
        type=int,
        default=0,
        help=f"crop detail in pixels across (0: the crop's own; {DETAIL_PX}: FER2013's; see preprocess)",
    )
    parser.add_argument("--epochs", type=int, default=40, help="the most epochs (early stopping may end sooner)")
    parser.add_argument("--batch", type=int, default=64, help="faces per batch")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="peak rate (one warm-up epoch, then cosine)")
    parser.add_argument(
        "--weight-decay", type=float, default=0.02, help="AdamW's decoupled decay (per step, times the rate)"
    )
    parser.add_argument("--max-minutes", type=float, default=None, help="stop after the epoch that passes this")
    parser.add_argument("--patience", type=int, default=8, help="epochs without improvement before stopping")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="share of each class held out for validation")
    parser.add_argument("--limit", type=int, default=None, help="train on only this many faces (quick runs)")
    parser.add_argument("--seed", type=int, default=1, help="split, augmentation and weights (same seed: same model)")
    parser.add_argument(
        "--votes", type=Path, default=None, help="FER+ votes CSV: leave out what annotators call not a face"
    )
    parser.add_argument(
        "--vote-share",
        type=share,
        default=0.0,
        help="weight of the FER+ vote shares in the training targets (0: folder labels only; needs --votes)",
    )
    parser.add_argument(
        "--init",
        type=Path,
        default=None,
        help="start from this saved model (a run's model.keras) instead of random weights",
    )
    parser.add_argument(
        "--extra",
        type=Path,
        default=None,
        help="a prepared .npz of other folders: its faces most FER+ annotators give one of the classes "
        "train as that class (needs --votes)",
    )
    parser.add_argument(
        "--mixup",
        type=mixup_alpha,
        default=0.0,
        help="blend pairs of faces and their targets, weight from Beta(a, a) (0: no mixup; 0.2 is usual)",
    )
    parser.set_defaults(handler=train)

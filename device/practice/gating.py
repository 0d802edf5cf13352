"""Quality gating: which frames may score, and what to tell the patient when
one may not.

Measures are compared with the patient's neutral face, so a frame only
scores when the head is roughly where it was at calibration: turned, tilted
or nodded heads change the 2-D landmark geometry as much as a real movement
would. Before calibration the limits are absolute (and looser, since the pose
estimate itself has an offset of a few degrees per face).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from device.vision.analysis import FaceAnalysis
from device.vision.geometry import HeadPose
from device.vision.landmarks import FaceStatus

# Degrees. Relative limits after calibration (the mirror-therapy app for Bell's
# palsy gates at about 11.5 degrees); absolute ones before it. Pitch gets more
# room: a tight eye closure moves the eye corners that the pose is estimated
# from, which reads as up to about 10 degrees of nod (measured on warped photos).
RELATIVE_LIMITS = HeadPose(roll=12.0, yaw=12.0, pitch=20.0)
ABSOLUTE_LIMITS = HeadPose(roll=20.0, yaw=20.0, pitch=25.0)
MAX_OFF_CENTRE = 0.3  # face centre's distance from the frame centre, as a fraction of the frame width


class Prompt(StrEnum):
    """Why a frame does not score; the kiosk says it in words, the
    catalogue's `prompt.<value>` (device/strings)."""

    NO_FACE = "no_face"
    ONE_PERSON = "one_person"
    COME_CLOSER = "come_closer"
    FACE_THE_SCREEN = "face_the_screen"
    HOLD_HEAD_LEVEL = "hold_head_level"
    MOVE_TO_CENTRE = "move_to_centre"
    RELAX_FACE = "relax_face"  # calibration refused a face that moved or showed an expression


@dataclass(frozen=True, slots=True)
class Gate:
    ok: bool
    prompt: Prompt | None = None


PASS = Gate(True)


def gate(analysis: FaceAnalysis, frame_width: int, reference: HeadPose | None = None) -> Gate:
    face = analysis.face
    if face.status is FaceStatus.NO_FACE or analysis.pose is None or face.box is None:
        return Gate(False, Prompt.NO_FACE)
    if face.status is FaceStatus.MULTIPLE_FACES:
        return Gate(False, Prompt.ONE_PERSON)
    if face.status is FaceStatus.TOO_SMALL:
        return Gate(False, Prompt.COME_CLOSER)
    pose = analysis.pose
    limits = ABSOLUTE_LIMITS if reference is None else RELATIVE_LIMITS
    base = reference or HeadPose(0.0, 0.0, 0.0)
    if abs(pose.yaw - base.yaw) > limits.yaw or abs(pose.pitch - base.pitch) > limits.pitch:
        return Gate(False, Prompt.FACE_THE_SCREEN)
    if abs(pose.roll - base.roll) > limits.roll:
        return Gate(False, Prompt.HOLD_HEAD_LEVEL)
    centre = (face.box.left + face.box.right) / 2
    if abs(centre - frame_width / 2) > MAX_OFF_CENTRE * frame_width:
        return Gate(False, Prompt.MOVE_TO_CENTRE)
    return PASS

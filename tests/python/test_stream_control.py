"""Stream mode's look follows a GstController: ref-db (and the other
controllable properties) change at the frame whose time the control
source gives, exactly as if the property had been set to that value."""

import gi

gi.require_version("GstController", "1.0")
from gi.repository import GstController  # noqa: E402

import pipeline_util as pu  # noqa: E402
from pipeline_util import Gst  # noqa: E402

PIPELINE = ("audiotestsrc wave=sine freq=1000 volume=0.5 samplesperbuffer=2205 "
            "num-buffers=20 ! audio/x-raw,format=F32LE,rate=22050,channels=1 ! "
            "melspecx name=m mode=stream width=64 height=32 {props} ! "
            "video/x-raw,format=GRAY8,framerate=10/1 ! "
            "appsink name=out sync=false emit-signals=false")


def _frames(props="", control=None):
    """Runs the pipeline; returns {pts: frame bytes}."""
    pipeline = Gst.parse_launch(PIPELINE.format(props=props))
    if control is not None:
        control(pipeline.get_by_name("m"))
    sink = pipeline.get_by_name("out")
    frames = {}
    pipeline.set_state(Gst.State.PLAYING)
    try:
        while True:
            sample = sink.emit("try-pull-sample", 10 * Gst.SECOND)
            if sample is None:
                break
            buf = sample.get_buffer()
            frames[buf.pts] = buf.extract_dup(0, buf.get_size())
        msg = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        assert msg is None, msg.parse_error()
    finally:
        pipeline.set_state(Gst.State.NULL)
    assert sink.get_property("eos"), "the stream did not end"
    return frames


def test_ref_db_follows_a_control_source():
    def control(element):
        source = GstController.InterpolationControlSource()
        source.set_property("mode", GstController.InterpolationMode.NONE)
        binding = GstController.DirectControlBinding.new_absolute(
            element, "ref-db", source)
        element.add_control_binding(binding)
        source.set(0, 0.0)
        source.set(Gst.SECOND, -40.0)

    controlled = _frames(control=control)
    before = _frames("ref-db=0")
    after = _frames("ref-db=-40")
    assert len(controlled) == len(before) == len(after) >= 19
    early = [t for t in controlled if t < Gst.SECOND]
    late = [t for t in controlled if t >= Gst.SECOND]
    assert early and late
    assert all(controlled[t] == before[t] for t in early)
    assert all(controlled[t] == after[t] for t in late)
    # and the two settings do draw differently
    assert any(before[t] != after[t] for t in late)

"""Sensor errors and the BLE link: clipping, quantisation, batching, losses, drop-outs."""

from __future__ import annotations

import numpy as np

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2
from sensor.simulator.link_model import LinkSettings, deliver
from sensor.simulator.sensor_model import SensorSettings, measure, parse_mounting, sample_times_s


def test_clipping_and_quantisation() -> None:
    s = SensorSettings(
        acc_noise_mps2=0,
        gyro_noise_dps=0,
        acc_bias_mps2=0,
        gyro_bias_dps=0,
        acc_scale_error=0,
        gyro_scale_error=0,
        acc_full_scale_mps2=2 * 9.80665,
        acc_lsb_mps2=0.1,
        gyro_full_scale_dps=250,
        gyro_lsb_dps=1.0,
    )
    t = np.zeros(3)
    f = np.array([[0.0, 0.0, 9.81], [50.0, -50.0, 0.04], [0.123, 0, 0]])
    w = np.array([[0.0, 0.0, 0.0], [1000.0, -1000.0, 0.4], [0.6, 0, 0]])
    r = measure(t, f, w, parse_mounting("+z,+x"), s, np.random.default_rng(0))
    assert r.gyro_dps is not None
    assert np.allclose(r.acc_mps2[1], [19.6, -19.6, 0.0])  # clipped at 2 g, then on the LSB grid
    assert np.allclose(r.acc_mps2[2, 0], 0.1)
    assert np.allclose(r.gyro_dps[1], [250.0, -250.0, 0.0])
    assert np.allclose(r.gyro_dps[2, 0], 1.0)


def test_noise_and_bias_have_the_configured_size() -> None:
    s = SensorSettings(
        acc_noise_mps2=0.05, acc_bias_mps2=0.0, acc_scale_error=0.0, acc_lsb_mps2=0.0
    )
    n = 20000
    f = np.tile([0.0, 0.0, STANDARD_GRAVITY_MPS2], (n, 1))
    r = measure(
        np.zeros(n), f, np.zeros((n, 3)), parse_mounting("+z,+x"), s, np.random.default_rng(1)
    )
    assert 0.045 < float(np.std(r.acc_mps2[:, 0])) < 0.055


def test_sample_clock_error_and_jitter() -> None:
    s = SensorSettings(rate_hz=50.0, clock_error_ppm=1000.0, timing_jitter_s=0.0)
    t = sample_times_s(100.0, s, np.random.default_rng(0))
    assert np.allclose(np.diff(t), 0.02 * 1.001)


def test_ble_batching_keeps_order_and_arrives_after_sampling() -> None:
    t = np.arange(0.0, 60.0, 0.01)  # 100 Hz, one sample per notification
    d = deliver(t, 1, LinkSettings(connection_interval_s=0.045), (), np.random.default_rng(3))
    arrival = d.arrival_s[d.notification_of_sample]
    assert np.all(arrival >= t)
    assert np.all(np.diff(d.arrival_s) >= 0)
    # A 45 ms connection interval at 100 Hz delivers several notifications per event.
    _, counts = np.unique(d.arrival_s, return_counts=True)
    assert counts.max() >= 4
    assert not d.gaps


def test_loss_bursts_and_disconnects_drop_samples_and_say_so() -> None:
    t = np.arange(0.0, 600.0, 0.02)
    link = LinkSettings(loss_bursts_per_min=2.0)
    d = deliver(t, 1, link, ((100.0, 5.0),), np.random.default_rng(5))
    lost = d.notification_of_sample < 0
    assert lost[(t >= 100.01) & (t < 104.99)].all()
    assert [m.kind for m in d.markers] == ["disconnect", "connect"]
    assert d.markers[0].t_s > 100.0
    loss = [g for g in d.gaps if g.kind == "loss"]
    assert len(loss) >= 5
    for g in loss:
        assert lost[(t > g.t_start_s) & (t < g.t_end_s)].all()
    assert np.isnan(d.arrival_s[lost]).all()  # one sample per notification here

"""Live checks that turn the state of the camera, the home network and this computer
into evidence for the engine.

Every probe returns :class:`Observation` objects (see :mod:`.observation`). A probe
that cannot decide returns an observation without a value; probes never raise for a
missing tool, a missing network or a refused permission, and every network call and
subprocess has a timeout.

* :func:`probe_network` — ``gateway_reachable``, ``dns_works``, ``internet_reachable``
* :func:`probe_host_wifi` — ``host_wifi_band``, ``host_wifi_security``,
  ``ssid_24ghz_visible``
"""

from kasa_doctor.probes.network import Endpoint, NetworkProbeConfig, probe_network
from kasa_doctor.probes.observation import CORE_VALUES, Observation, as_evidence
from kasa_doctor.probes.wifi import probe_host_wifi

__all__ = [
    "CORE_VALUES",
    "Endpoint",
    "NetworkProbeConfig",
    "Observation",
    "as_evidence",
    "probe_host_wifi",
    "probe_network",
]

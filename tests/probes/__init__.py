"""Tests of the home-network and host Wi-Fi probes."""

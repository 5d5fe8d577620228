"""Tests of the benchmark harness's pure logic."""

//go:build !wasip1

package main

// start leaves the collector's settings alone in a native build: there the plugin runs
// inside a test process whose collector is not the plugin's to change.
func (c *collector) start() {}

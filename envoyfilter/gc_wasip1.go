//go:build wasip1

package main

import "runtime/debug"

// start turns the Go collector's own pacing off, Franca collects between requests, and
// keeps a soft memory limit as a backstop.
func (c *collector) start() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcLimit)
}

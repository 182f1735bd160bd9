package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; when it is not,
// the module version from the build information is used.
var version = ""

// versionString returns the version to print.
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// version prints "franca VERSION GOVERSION OS/ARCH".
func (c *cli) version(args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(c.stderr, "usage: franca version")
		return 2
	}
	fmt.Fprintf(c.stdout, "franca %s %s %s/%s\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}

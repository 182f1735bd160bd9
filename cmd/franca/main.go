// Command franca is Franca's command-line tool: it checks configuration files, makes
// virtual keys and (later) runs the xDS control plane.
//
//	franca validate FILE
//	franca keys new --name NAME [--models a,b] [--quiet]
//	franca keys hash [KEY]
//	franca xds
//	franca version
package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// run runs the command line args (without the program name) and returns the exit code:
// 0 on success, 1 when the work failed (an invalid configuration), 2 on a usage error.
func run(args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	c := &cli{
		stdin:    os.Stdin,
		stdout:   stdout,
		stderr:   stderr,
		lookup:   lookup,
		rand:     rand.Reader,
		readFile: os.ReadFile,
	}
	return c.run(args)
}

// cli holds what the subcommands read and write, so that tests can supply their own.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookup         func(string) (string, bool)
	rand           io.Reader
	readFile       func(string) ([]byte, error)
}

const usage = `franca is the command-line tool of the Franca LLM gateway.

Usage:
  franca validate FILE          check a configuration file, YAML or JSON ("-": stdin);
                                ${NAME} references are read from the environment
  franca keys new --name NAME [--models a,b] [--quiet]
                                make a virtual key; print it once, with its hash and
                                the lines to add under virtual_keys
  franca keys hash [KEY]        print the hash of a virtual key (KEY read from stdin
                                when not given)
  franca xds                    run the xDS control plane
  franca version                print the version
  franca help                   print this help

Configuration reference: docs/config.md
`

func (c *cli) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, usage)
		return 0
	case "validate":
		return c.validate(args[1:])
	case "keys":
		return c.keys(args[1:])
	case "version", "-version", "--version":
		return c.version(args[1:])
	case "xds":
		fmt.Fprintln(c.stderr, "franca xds: not yet available (see the xDS control plane issue)")
		return 2
	}
	fmt.Fprintf(c.stderr, "franca: unknown command %q\n\n%s", args[0], usage)
	return 2
}

package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/franca-gw/franca/config"
)

const keysUsage = `usage:
  franca keys new --name NAME [--models a,b] [--quiet]
  franca keys hash [KEY]
`

// keys runs "keys new" and "keys hash".
func (c *cli) keys(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, keysUsage)
		return 2
	}
	switch args[0] {
	case "new":
		return c.keysNew(args[1:])
	case "hash":
		return c.keysHash(args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(c.stdout, keysUsage)
		return 0
	}
	fmt.Fprintf(c.stderr, "franca keys: unknown command %q\n%s", args[0], keysUsage)
	return 2
}

// keysNew makes a virtual key and prints it once with its hash and a virtual_keys entry.
func (c *cli) keysNew(args []string) int {
	fs := flag.NewFlagSet("franca keys new", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	name := fs.String("name", "", "name of the virtual key, as it appears in logs (required)")
	models := fs.String("models", "", "comma-separated public model names the key may use (default: all)")
	quiet := fs.Bool("quiet", false, `print only "KEY HASH" on one line, for scripts`)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "franca keys new: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *name == "" {
		fmt.Fprintln(c.stderr, "franca keys new: --name is required")
		return 2
	}
	key, err := config.NewKey(c.rand)
	if err != nil {
		fmt.Fprintf(c.stderr, "franca keys new: %v\n", err)
		return 1
	}
	hash := config.HashKey(key)
	if *quiet {
		fmt.Fprintf(c.stdout, "%s %s\n", key, hash)
		return 0
	}
	list := []string{"*"}
	if *models != "" {
		list = list[:0]
		for m := range strings.SplitSeq(*models, ",") {
			if m = strings.TrimSpace(m); m != "" {
				list = append(list, m)
			}
		}
	}
	fmt.Fprintf(c.stdout, "key:  %s\nhash: %s\n\n", key, hash)
	fmt.Fprintf(c.stdout, "# Keep the key now: only its hash is stored, it cannot be shown again.\n")
	fmt.Fprintf(c.stdout, "# Add under virtual_keys:\n")
	fmt.Fprintf(c.stdout, "- name: %s\n  hash: %s\n  models: %s\n", yamlString(*name), hash, yamlList(list))
	return 0
}

// keysHash prints the hash of a key given as argument or on the first line of stdin.
func (c *cli) keysHash(args []string) int {
	var key string
	switch len(args) {
	case 0:
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintf(c.stderr, "franca keys hash: %v\n", err)
			return 1
		}
		key = strings.TrimSpace(line)
	case 1:
		key = args[0]
	default:
		fmt.Fprint(c.stderr, keysUsage)
		return 2
	}
	if key == "" {
		fmt.Fprintln(c.stderr, "franca keys hash: no key given")
		return 2
	}
	fmt.Fprintln(c.stdout, config.HashKey(key))
	return 0
}

// yamlString writes s as a YAML scalar: plain when that reads back as the same string,
// double-quoted otherwise.
func yamlString(s string) string {
	plain := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.')) {
			plain = false
			break
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
		plain = false
	}
	if plain {
		return s
	}
	return jsonString(s)
}

// yamlList writes a flow list of double-quoted strings: ["a", "b"].
func yamlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = jsonString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// jsonString quotes s as JSON does, which YAML reads as a double-quoted scalar.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

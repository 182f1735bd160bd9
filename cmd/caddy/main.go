// Command caddy is Caddy with Franca compiled in: the standard modules plus the franca
// HTTP handler and admin route.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/franca-gw/franca/caddymodule"
)

func main() {
	caddycmd.Main()
}

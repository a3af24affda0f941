// Command karmada-apiserver is the whole control plane in one process.
package main

import (
	"os"

	"k8s.io/component-base/cli"

	"github.com/karmada-one/karmada-one/pkg/server"
)

func main() {
	os.Exit(cli.Run(server.NewCommand()))
}

// Command kubectl-karmada is the Karmada kubectl plugin (`kubectl karmada ...`); installed or
// linked as karmadactl it answers to that name.
package main

import (
	"os"

	"github.com/karmada-one/karmada-one/pkg/cli"
)

func main() {
	os.Exit(cli.Run(cli.NewDefaultCommand()))
}

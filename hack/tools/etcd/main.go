// Command etcd is a full etcd server built from the module the control plane embeds,
// so tests can run the control plane against an external etcd without downloads.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }

// Command members starts and stops real Kubernetes member clusters on 127.0.0.1
// (etcd + kube-apiserver + kube-controller-manager + kube-scheduler + KWOK each), for the
// quick start and for manual testing:
//
//	go run ./hack/tools/members up --names member1,member2,member3 --dir _cache/members
//	go run ./hack/tools/members down --dir _cache/members
//
// `up` builds the binaries into _cache/bin when missing (minutes the first time), starts
// every member in <dir>/<name> and prints each kubeconfig path; the members keep running
// after the command exits. Members already running in <dir> are reported and left alone.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/karmada-one/karmada-one/test/members"
)

func main() {
	root := &cobra.Command{
		Use:          "members",
		Short:        "Real Kubernetes member clusters on 127.0.0.1 (etcd, kube-apiserver, KCM, scheduler, KWOK)",
		SilenceUsage: true,
	}
	root.AddCommand(upCmd(), downCmd())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := root.ExecuteContext(ctx); err != nil {
		os.Exit(1)
	}
}

func upCmd() *cobra.Command {
	var (
		names    []string
		dir      string
		repoRoot string
		nodes    int
		cpu      string
		memory   string
		pods     string
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Build the binaries if needed and start the members",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if repoRoot == "" {
				var err error
				if repoRoot, err = findRepoRoot(); err != nil {
					return err
				}
			}
			absDir, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			if len(names) == 0 {
				return fmt.Errorf("--names is empty")
			}
			var todo []string
			for _, name := range names {
				mdir := filepath.Join(absDir, name)
				if m, err := members.Attach(ctx, mdir); err == nil {
					fmt.Printf("%s: already running at %s, kubeconfig %s\n", name, m.Server, m.Kubeconfig)
					continue
				}
				// Half-alive leftovers (e.g. a crashed apiserver): stop them before starting anew.
				if err := members.StopByPIDFiles(mdir); err != nil {
					return fmt.Errorf("%s: stopping leftovers: %w", name, err)
				}
				todo = append(todo, name)
			}
			if len(todo) == 0 {
				return nil
			}
			if missing := members.MissingBinaries(repoRoot); len(missing) > 0 {
				fmt.Fprintf(os.Stderr, "building %s into %s (the first time takes minutes)\n",
					strings.Join(missing, ", "), filepath.Join(repoRoot, "_cache"))
			}
			bins, err := members.EnsureBinaries(ctx, repoRoot)
			if err != nil {
				return err
			}
			for _, name := range todo {
				specs := make([]members.NodeSpec, nodes)
				for i := range specs {
					specs[i] = members.NodeSpec{Name: fmt.Sprintf("%s-node-%d", name, i+1), CPU: cpu, Memory: memory, Pods: pods}
				}
				start := time.Now()
				sctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
				m, err := members.Start(sctx, bins, members.Options{Name: name, Dir: filepath.Join(absDir, name), Nodes: specs})
				cancel()
				if err != nil {
					return err
				}
				fmt.Printf("%s: ready in %s at %s, kubeconfig %s\n", name, time.Since(start).Round(100*time.Millisecond), m.Server, m.Kubeconfig)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&names, "names", []string{"member1", "member2", "member3"}, "member names")
	cmd.Flags().StringVar(&dir, "dir", "_cache/members", "folder holding one sub-folder per member")
	cmd.Flags().StringVar(&repoRoot, "repo-root", "", "module root (binaries go to <repo-root>/_cache/bin); default: found from the working directory")
	cmd.Flags().IntVar(&nodes, "nodes", 2, "fake nodes per member")
	cmd.Flags().StringVar(&cpu, "node-cpu", "8", "CPU of each fake node")
	cmd.Flags().StringVar(&memory, "node-memory", "32Gi", "memory of each fake node")
	cmd.Flags().StringVar(&pods, "node-pods", "110", "pod capacity of each fake node")
	return cmd
}

func downCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Stop the members under --dir (by their recorded PIDs only)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := members.StopByPIDFiles(dir); err != nil {
				return err
			}
			fmt.Printf("stopped members under %s\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "_cache/members", "folder holding one sub-folder per member")
	return cmd
}

// findRepoRoot walks up from the working directory to the folder with go.mod.
func findRepoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod above the working directory; pass --repo-root")
		}
		d = parent
	}
}

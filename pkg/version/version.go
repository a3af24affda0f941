// Package version is the project's own version, set at build time (-ldflags -X).
// The apiserver's /version reports the Kubernetes version its API is built from, which
// is what kubectl and client libraries compare against.
package version

// Version is the karmada-one release or `git describe` of the build.
var Version = "v0.0.0-dev"

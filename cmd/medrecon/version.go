package main

import (
	"regexp"
	"runtime/debug"
)

// version is the release's version, set by a release build:
//
//	go build -ldflags "-X main.version=1.4.0" -o medrecon ./cmd/medrecon
//
// Left empty, versionString reads it from the build information.
var version string

// versionString is what --version prints and each run records (runs.version,
// on the PDF's cover).
func versionString() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(version, bi)
}

// pseudoVersion matches the version the go command makes up for an untagged
// commit (v0.0.0-20261127145608-15dfb0be0256+dirty).
var pseudoVersion = regexp.MustCompile(`-(\d{14})-[0-9a-f]{12}(\+dirty)?$`)

// versionOf is the version of a binary: the -X override; else the module's
// version when it was built from a release (go install medrecon@v1.4.0, or a
// tagged commit); else the commit it was built from, its first 12 hex
// digits with "-dirty" when the tree had uncommitted changes; else "dev"
// (go run, or a build without version control information).
func versionOf(override string, bi *debug.BuildInfo) string {
	if override != "" {
		return override
	}
	if bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" && !pseudoVersion.MatchString(v) {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return rev
}

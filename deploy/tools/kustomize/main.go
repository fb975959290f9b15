// Command kustomize-build renders kustomize overlays offline, for rebub's deployment tests.
//
// It embeds sigs.k8s.io/kustomize/api (krusty, the library behind `kubectl kustomize`) so the
// version is pinned by this module's go.sum and built from the Go module proxy like FerretDB.
//
// Usage: kustomize-build DIR...   prints {"DIR": [resource, ...], ...} as JSON on stdout.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kustomize-build DIR...")
		os.Exit(2)
	}
	fs := filesys.MakeFsOnDisk()
	kustomizer := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rendered := map[string][]map[string]interface{}{}
	for _, dir := range os.Args[1:] {
		resMap, err := kustomizer.Run(fs, dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", dir, err)
			os.Exit(1)
		}
		resources := []map[string]interface{}{}
		for _, res := range resMap.Resources() {
			m, err := res.Map()
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", dir, err)
				os.Exit(1)
			}
			resources = append(resources, m)
		}
		rendered[dir] = resources
	}
	if err := json.NewEncoder(os.Stdout).Encode(rendered); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

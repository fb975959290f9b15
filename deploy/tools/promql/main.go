// Command promql-check parses PromQL expressions with Prometheus's own parser, for rebub's
// monitoring tests (the alert rules and the Grafana dashboards in deploy/k8s/monitoring).
//
// It embeds github.com/prometheus/prometheus/promql/parser, pinned by this module's go.sum and
// built from the Go module proxy like kustomize-build.
//
// Usage: promql-check < exprs.json, where exprs.json is ["expr", ...]; prints
// [{"expr": ..., "error": "..." or "", "metrics": [names selected]}, ...] as JSON on stdout.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

type checked struct {
	Expr    string   `json:"expr"`
	Error   string   `json:"error"`
	Metrics []string `json:"metrics"`
}

func main() {
	var exprs []string
	if err := json.NewDecoder(os.Stdin).Decode(&exprs); err != nil {
		fmt.Fprintf(os.Stderr, "reading the expressions: %v\n", err)
		os.Exit(2)
	}
	out := make([]checked, 0, len(exprs))
	for _, text := range exprs {
		result := checked{Expr: text, Metrics: []string{}}
		expr, err := parser.ParseExpr(text)
		if err != nil {
			result.Error = err.Error()
		} else {
			seen := map[string]bool{}
			parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
				if vs, ok := node.(*parser.VectorSelector); ok {
					for _, m := range vs.LabelMatchers {
						if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
							seen[m.Value] = true
						}
					}
				}
				return nil
			})
			for name := range seen {
				result.Metrics = append(result.Metrics, name)
			}
			sort.Strings(result.Metrics)
		}
		out = append(out, result)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}

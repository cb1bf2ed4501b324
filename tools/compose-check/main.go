// compose-check validates Tradewatch's compose files with compose-go, the library Docker
// Compose itself loads files with, so no Docker engine is needed:
//
//  1. each file alone against the Compose Specification JSON schema compose-go embeds;
//  2. all files together as `make start` merges them (interpolation from the env file,
//     every profile enabled), which also checks references between services, volumes,
//     networks and configs.
//
// It prints the merged project as JSON on stdout (for the TypeScript test to inspect) and
// exits 1 with the validator's message on the first problem.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/schema"
	"go.yaml.in/yaml/v4"
)

func main() {
	envFile := flag.String("env-file", ".env.example", "variables for interpolation")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 {
		fail("usage: compose-check [-env-file F] compose.yml...")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			fail("%s: %v", file, err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			fail("%s: not YAML: %v", file, err)
		}
		if err := schema.Validate(doc); err != nil {
			fail("%s: against the Compose Specification: %v", file, err)
		}
	}
	options, err := cli.NewProjectOptions(files,
		cli.WithName("tradewatch"),
		cli.WithEnvFiles(*envFile),
		cli.WithDotEnv,
		cli.WithProfiles([]string{"*"}),
	)
	if err != nil {
		fail("options: %v", err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail("merged project: %v", err)
	}
	out, err := json.Marshal(project)
	if err != nil {
		fail("project to JSON: %v", err)
	}
	fmt.Println(string(out))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "compose-check: "+format+"\n", args...)
	os.Exit(1)
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/segue/segue/library"
	"github.com/segue/segue/library/audiogen"
)

func libraryScan(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, sf := newFlags("library scan", stderr, getenv)
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("library scan: give exactly one folder")
	}
	db, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := library.Scan(ctx, db, pos[0])
	if err != nil {
		return err
	}
	if !*asJSON {
		for _, f := range rep.Failed {
			fmt.Fprintf(stderr, "skipped %s\n", f.Error)
		}
	}
	return printResult(stdout, *asJSON, rep, fmt.Sprintf("scanned %s: %d added, %d updated, %d unchanged, %d removed, %d could not be read",
		rep.Root, rep.Added, rep.Updated, rep.Unchanged, rep.Removed, len(rep.Failed)))
}

func librarySample(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, _ := newFlags("library sample", stderr, getenv)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("library sample: give exactly one folder")
	}
	paths, err := audiogen.WriteSample(pos[0])
	if err != nil {
		return fmt.Errorf("library sample: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %d tagged audio files:\n  %s\n", len(paths), strings.Join(paths, "\n  "))
	return nil
}

// Command ferretdb runs FerretDB v1 (MongoDB wire protocol, SQLite storage) on loopback for
// rebub's local infrastructure. The upstream cmd/ferretdb wants a generated version file, so
// the project embeds the library package instead.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", "", "existing directory for the SQLite databases")
	flag.Parse()
	if *dataDir == "" {
		log.Fatal("ferretdb: -data is required (an existing directory)")
	}

	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/",
	})
	if err != nil {
		log.Fatalf("ferretdb: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Printf("ferretdb: listening on %s, data in %s", *listen, *dataDir)
	fdb.Run(ctx)
}

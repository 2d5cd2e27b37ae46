// Command benchserver is the baseline of scripts/bench.sh: a minimal
// net/http server that answers every request with a fixed JSON body read
// from a file, as vnstat-exporter's webhook answers from memory.
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18500", "listen address")
	bodyFile := flag.String("body", "", "file holding the JSON body")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatal(err)
	}
	length := strconv.Itoa(len(body))
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Length", length)
		_, _ = w.Write(body)
	})))
}

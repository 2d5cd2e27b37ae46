// Command idleconns is a client of scripts/bench.sh: it opens -n
// keep-alive connections to a server, asks -path once on each and leaves
// them open and idle, then asks once more on a new connection. It prints
// one line: how many connections it opened, the status the new client got,
// and how many of the idle connections the server had closed by then. It
// then holds the rest open until it is sent SIGTERM or SIGINT, so that the
// server's memory can be read meanwhile.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18480", "server address")
	path := flag.String("path", "/health", "path asked on each connection")
	n := flag.Int("n", 10000, "connections to open")
	flag.Parse()

	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", *path, *addr)
	conns := make([]net.Conn, 0, *n)
	for len(conns) < *n {
		c, err := net.Dial("tcp", *addr)
		if err != nil {
			log.Fatalf("connection %d: %v", len(conns)+1, err)
		}
		if err := ask(c, req); err != nil {
			log.Fatalf("connection %d: %v", len(conns)+1, err)
		}
		conns = append(conns, c)
	}

	c, err := net.Dial("tcp", *addr)
	status := "refused"
	if err == nil {
		if err := ask(c, req); err == nil {
			status = "200"
		} else {
			status = err.Error()
		}
		c.Close()
	}

	closed := 0
	for _, c := range conns {
		// A connection the server closed reads EOF at once; an open one
		// reads nothing until the deadline.
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
			closed++
		}
	}
	fmt.Printf("opened %d, new client: %s, idle closed by the server: %d\n", len(conns), status, closed)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

// ask sends req on c and reads the answer, which must be 200.
func ask(c net.Conn, req string) error {
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

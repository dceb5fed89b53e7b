// Package natsembed runs a NATS server with JetStream inside the calling
// process: the single-machine default of package cluster and the server of
// every test. It is the one place that imports nats-server, which keeps
// the server out of every package but cluster.
package natsembed

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ErrNotReady: the server did not accept connections in time.
var ErrNotReady = errors.New("natsembed: server not ready for connections")

// Config says where the server listens and stores. The zero value is a
// server on a random loopback port with a fresh temporary store, removed on
// Close.
type Config struct {
	Host     string // default 127.0.0.1: nothing outside the machine reaches it
	Port     int    // 0: a random free port
	StoreDir string // "": a temporary directory, removed on Close
}

// Server is a running embedded server.
type Server struct {
	srv     *server.Server
	tempDir string // removed on Close; "" when the caller owns StoreDir
}

// Start starts a server and waits until it accepts connections.
func Start(cfg Config) (*Server, error) {
	s := &Server{}
	dir := cfg.StoreDir
	if dir == "" {
		d, err := os.MkdirTemp("", "taskgraph-nats-*")
		if err != nil {
			return nil, fmt.Errorf("natsembed: store directory: %w", err)
		}
		dir, s.tempDir = d, d
	}
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := cfg.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		Host:      host,
		Port:      port,
		JetStream: true,
		StoreDir:  dir,
		NoSigs:    true, // signals belong to the program, not to the library
		NoLog:     true,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		s.removeTemp()
		return nil, fmt.Errorf("natsembed: %w", err)
	}
	s.srv = srv
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		s.Close()
		return nil, ErrNotReady
	}
	return s, nil
}

// URL is the address clients connect to (nats://host:port).
func (s *Server) URL() string { return s.srv.ClientURL() }

// Close shuts the server down, waits for it to stop and removes a temporary
// store.
func (s *Server) Close() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
	s.removeTemp()
}

func (s *Server) removeTemp() {
	if s.tempDir != "" {
		os.RemoveAll(s.tempDir)
	}
}

package sqlite

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"

	msqlite "modernc.org/sqlite"
)

// driverName is modernc's SQLite driver with a cache of prepared
// statements on each connection.
const driverName = "sqlite-segue"

func init() { sql.Register(driverName, cachingDriver{&msqlite.Driver{}}) }

// Statement cache bounds, per connection.
const (
	maxCachedStmts   = 256
	maxCachedStmtLen = 8 << 10
)

// cachingDriver opens connections that keep their prepared statements:
// the store's queries are a fixed set of strings, and parsing one costs
// more than running it (a third of the CPU of a read, by profile). SQLite
// re-prepares a cached statement by itself if the schema changes.
//
// Statements run without their context's cancellation: every query is
// bounded, and the driver would otherwise start a goroutine per statement
// to watch the context, and interrupt the connection when it ends, which
// rolls back the whole transaction a group commit shares (database/sql
// still checks the context before each statement).
type cachingDriver struct{ base driver.Driver }

func (d cachingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.base.Open(name)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: c, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

// cachingConn is a connection with its statement cache. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	driver.Conn
	stmts map[string]*list.Element // of *cachedStmt, most recent first in lru
	lru   *list.List
}

type cachedStmt struct {
	query string
	st    driver.Stmt
	busy  bool // its rows are open: a nested use must prepare its own
}

// stmt returns the cached statement for query, preparing it if needed,
// or nil when it cannot be used now.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if len(query) > maxCachedStmtLen {
		return nil, nil
	}
	if el, ok := c.stmts[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(el)
		return cs, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{query: query, st: st}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > maxCachedStmts {
		old := c.lru.Back()
		if old.Value.(*cachedStmt).busy {
			break
		}
		c.evict(old)
	}
	return cs, nil
}

func (c *cachingConn) evict(el *list.Element) error {
	cs := c.lru.Remove(el).(*cachedStmt)
	delete(c.stmts, cs.query)
	return cs.st.Close()
}

// ExecContext runs query with its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ctx = context.WithoutCancel(ctx)
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	return cs.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

// QueryContext runs query with its cached statement, which stays busy
// until the rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := cs.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// cachedRows frees its statement for the next use when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	r.cs.busy = false
	return r.Rows.Close()
}

// Close closes the cached statements, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for c.lru.Len() > 0 {
		errs = append(errs, c.evict(c.lru.Front()))
	}
	return errors.Join(append(errs, c.Conn.Close())...)
}

// The other interfaces of modernc's connection, passed through.

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// PrepareContext lends the cached statement for query until the caller
// closes it (a statement the store prepares in each transaction).
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	}
	cs.busy = true
	return &lentStmt{Stmt: cs.st, cs: cs}, nil
}

// lentStmt is a cached statement lent out by PrepareContext; closing it
// gives it back.
type lentStmt struct {
	driver.Stmt
	cs *cachedStmt
}

func (s *lentStmt) Close() error {
	s.cs.busy = false
	return nil
}

func (s *lentStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(context.WithoutCancel(ctx), args)
}

func (s *lentStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.(driver.StmtQueryContext).QueryContext(context.WithoutCancel(ctx), args)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

var (
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
	_ driver.StmtExecContext    = (*lentStmt)(nil)
	_ driver.StmtQueryContext   = (*lentStmt)(nil)
)

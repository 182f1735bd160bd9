package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A node is one value of a parsed document, YAML or JSON alike, with the line it starts
// on. Load decodes Config from nodes so that every problem can be given a path and a line.
type node struct {
	kind  nodeKind
	tag   scalarTag // scalars only
	line  int
	value string  // scalar text, as written (before ${ENV} expansion)
	pairs []pair  // mappings, in document order
	items []*node // sequences
}

// pair is one key of a mapping and its value.
type pair struct {
	key     string
	keyLine int
	val     *node
}

type nodeKind uint8

const (
	nullNode nodeKind = iota
	scalarNode
	mappingNode
	sequenceNode
)

// scalarTag is what a scalar resolved to: YAML's core schema, or the JSON token type.
type scalarTag uint8

const (
	tagStr scalarTag = iota
	tagInt
	tagFloat
	tagBool
	tagNull
)

// kindName names a node's kind in messages.
func (n *node) kindName() string {
	switch n.kind {
	case mappingNode:
		return "a mapping"
	case sequenceNode:
		return "a list"
	case nullNode:
		return "null"
	}
	switch n.tag {
	case tagInt:
		return "an integer"
	case tagFloat:
		return "a number"
	case tagBool:
		return "a boolean"
	}
	return "a string"
}

// lookup follows path from n and returns the node there, or the deepest node on the way
// and false.
func (n *node) lookup(path string) (*node, bool) {
	steps, ok := splitPath(path)
	if !ok {
		return n, false
	}
	cur := n
	for _, s := range steps {
		var next *node
		switch s := s.(type) {
		case string:
			if cur.kind == mappingNode {
				for _, p := range cur.pairs {
					if p.key == s {
						next = p.val
						break
					}
				}
			}
		case int:
			if cur.kind == sequenceNode && s >= 0 && s < len(cur.items) {
				next = cur.items[s]
			}
		}
		if next == nil {
			return cur, false
		}
		cur = next
	}
	return cur, true
}

// parse turns a YAML or JSON document into a node tree. A document whose first
// non-blank character is '{' is read as JSON. An empty document gives a null node.
// Problems that do not stop the parse (duplicate keys) are added to errs; a problem that
// does is returned.
func parse(data []byte, errs *Errors) (*node, *FieldError) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return parseJSON(data, errs)
	}
	return parseYAML(data, errs)
}

// maxDepth bounds nesting, so that a hostile document cannot exhaust the stack.
const maxDepth = 200

// parseYAML reads one YAML document.
func parseYAML(data []byte, errs *Errors) (*node, *FieldError) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &node{kind: nullNode}, nil
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, yamlError(err)
		}
		return nil, &FieldError{Line: extra.Line, Message: "only one YAML document is allowed"}
	}
	c := yamlConv{errs: errs, budget: 100000 + len(data)}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &node{kind: nullNode}, nil
		}
		root = root.Content[0]
	}
	n, fe := c.conv(root, "", 0)
	if fe != nil {
		return nil, fe
	}
	return n, nil
}

// yamlError turns a yaml.v3 error ("yaml: line 3: did not find expected key") into a
// FieldError with its line.
func yamlError(err error) *FieldError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	fe := &FieldError{Message: "invalid YAML: " + msg}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				fe.Line = n
				fe.Message = "invalid YAML: " + rest[i+2:]
			}
		}
	}
	return fe
}

// yamlConv converts yaml.v3 nodes to nodes, expanding aliases and merge keys.
type yamlConv struct {
	errs   *Errors
	budget int // nodes that may still be made; aliases could otherwise blow up
}

func (c *yamlConv) conv(y *yaml.Node, path string, depth int) (*node, *FieldError) {
	if depth > maxDepth {
		return nil, &FieldError{Line: y.Line, Path: path, Message: "nested too deeply"}
	}
	if c.budget--; c.budget < 0 {
		return nil, &FieldError{Line: y.Line, Path: path, Message: "document too large once aliases are expanded"}
	}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, &FieldError{Line: y.Line, Path: path, Message: "unknown alias"}
		}
		n, fe := c.conv(y.Alias, path, depth+1)
		if n != nil {
			// Report problems where the alias is used, not where its anchor is.
			m := *n
			m.line = y.Line
			n = &m
		}
		return n, fe
	case yaml.ScalarNode:
		n := &node{kind: scalarNode, line: y.Line, value: y.Value}
		switch tag := y.ShortTag(); tag {
		case "!!str", "!!timestamp", "!!binary":
			n.tag = tagStr
		case "!!int":
			n.tag = tagInt
		case "!!float":
			n.tag = tagFloat
		case "!!bool":
			n.tag = tagBool
		case "!!null":
			n.kind, n.tag = nullNode, tagNull
		default:
			c.errs.addLine(y.Line, path, "unsupported YAML tag "+tag)
			n.tag = tagStr
		}
		return n, nil
	case yaml.SequenceNode:
		n := &node{kind: sequenceNode, line: y.Line, items: make([]*node, 0, len(y.Content))}
		for i, item := range y.Content {
			v, fe := c.conv(item, joinIndex(path, i), depth+1)
			if fe != nil {
				return nil, fe
			}
			n.items = append(n.items, v)
		}
		return n, nil
	case yaml.MappingNode:
		return c.mapping(y, path, depth)
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: nullNode, line: y.Line}, nil
		}
		return c.conv(y.Content[0], path, depth+1)
	}
	return nil, &FieldError{Line: y.Line, Path: path, Message: "unsupported YAML node"}
}

// mapping converts a YAML mapping. Keys written in the mapping win over keys merged in
// with "<<"; of several merged mappings, the first to have a key wins.
func (c *yamlConv) mapping(y *yaml.Node, path string, depth int) (*node, *FieldError) {
	n := &node{kind: mappingNode, line: y.Line, pairs: make([]pair, 0, len(y.Content)/2)}
	seen := make(map[string]int, len(y.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		for k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode {
			c.errs.addLine(k.Line, path, "mapping keys must be strings")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.errs.addLine(k.Line, joinKey(path, k.Value), fmt.Sprintf("duplicate key (first at line %d)", first))
			continue
		}
		seen[k.Value] = k.Line
		val, fe := c.conv(v, joinKey(path, k.Value), depth+1)
		if fe != nil {
			return nil, fe
		}
		n.pairs = append(n.pairs, pair{key: k.Value, keyLine: k.Line, val: val})
	}
	for _, m := range merges {
		src, fe := c.conv(m, path, depth+1)
		if fe != nil {
			return nil, fe
		}
		var sources []*node
		switch src.kind {
		case mappingNode:
			sources = []*node{src}
		case sequenceNode:
			sources = src.items
		}
		if len(sources) == 0 && src.kind != sequenceNode {
			c.errs.addLine(m.Line, path, "<< must merge a mapping or a list of mappings")
			continue
		}
		for _, s := range sources {
			if s.kind != mappingNode {
				c.errs.addLine(s.line, path, "<< must merge a mapping or a list of mappings")
				continue
			}
			for _, p := range s.pairs {
				if _, dup := seen[p.key]; dup {
					continue
				}
				seen[p.key] = p.keyLine
				n.pairs = append(n.pairs, p)
			}
		}
	}
	return n, nil
}

// parseJSON reads one JSON value with encoding/json's tokenizer, keeping lines.
func parseJSON(data []byte, errs *Errors) (*node, *FieldError) {
	p := jsonParser{data: data, dec: json.NewDecoder(bytes.NewReader(data)), errs: errs}
	p.dec.UseNumber()
	n, fe := p.value("", 0)
	if fe != nil {
		return nil, fe
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &FieldError{Line: p.line(p.dec.InputOffset()), Message: "invalid JSON: unexpected data after the top-level value"}
	}
	return n, nil
}

type jsonParser struct {
	data       []byte
	dec        *json.Decoder
	errs       *Errors
	lineStarts []int64
}

// line returns the 1-based line of byte offset off.
func (p *jsonParser) line(off int64) int {
	if p.lineStarts == nil {
		p.lineStarts = []int64{0}
		for i, c := range p.data {
			if c == '\n' {
				p.lineStarts = append(p.lineStarts, int64(i+1))
			}
		}
	}
	return sort.Search(len(p.lineStarts), func(i int) bool { return p.lineStarts[i] > off })
}

// tokenLine is the line of the token just read (InputOffset is just past it; no JSON token
// spans lines).
func (p *jsonParser) tokenLine() int {
	off := p.dec.InputOffset() - 1
	if off < 0 {
		off = 0
	}
	return p.line(off)
}

func (p *jsonParser) fail(err error) *FieldError {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FieldError{Line: p.line(int64(len(p.data))), Message: "invalid JSON: unexpected end of input"}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FieldError{Line: p.line(se.Offset), Message: "invalid JSON: " + se.Error()}
	}
	return &FieldError{Line: p.line(p.dec.InputOffset()), Message: "invalid JSON: " + err.Error()}
}

func (p *jsonParser) value(path string, depth int) (*node, *FieldError) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(err)
	}
	return p.valueFrom(tok, path, depth)
}

func (p *jsonParser) valueFrom(tok json.Token, path string, depth int) (*node, *FieldError) {
	line := p.tokenLine()
	if depth > maxDepth {
		return nil, &FieldError{Line: line, Path: path, Message: "nested too deeply"}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: mappingNode, line: line}
			seen := map[string]int{}
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.fail(err)
				}
				key, _ := kt.(string)
				kl := p.tokenLine()
				val, fe := p.value(joinKey(path, key), depth+1)
				if fe != nil {
					return nil, fe
				}
				if first, dup := seen[key]; dup {
					p.errs.addLine(kl, joinKey(path, key), fmt.Sprintf("duplicate key (first at line %d)", first))
					continue
				}
				seen[key] = kl
				n.pairs = append(n.pairs, pair{key: key, keyLine: kl, val: val})
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.fail(err)
			}
			return n, nil
		case '[':
			n := &node{kind: sequenceNode, line: line}
			for p.dec.More() {
				val, fe := p.value(joinIndex(path, len(n.items)), depth+1)
				if fe != nil {
					return nil, fe
				}
				n.items = append(n.items, val)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.fail(err)
			}
			return n, nil
		}
	case string:
		return &node{kind: scalarNode, tag: tagStr, line: line, value: t}, nil
	case json.Number:
		tag := tagInt
		if strings.ContainsAny(string(t), ".eE") {
			tag = tagFloat
		}
		return &node{kind: scalarNode, tag: tag, line: line, value: string(t)}, nil
	case bool:
		return &node{kind: scalarNode, tag: tagBool, line: line, value: strconv.FormatBool(t)}, nil
	case nil:
		return &node{kind: nullNode, tag: tagNull, line: line, value: "null"}, nil
	}
	return nil, &FieldError{Line: line, Path: path, Message: fmt.Sprintf("invalid JSON: unexpected %v", tok)}
}

// A module that imports the standard library's mime package, as Franca's filter once
// did: the import check must refuse it (imports_test.go).
package main

import (
	"mime"
	"os"
)

func main() { _, _, _ = mime.ParseMediaType(os.Getenv("CONTENT_TYPE")) }

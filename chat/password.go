package chat

import (
	"bytes"
	"fmt"
	"os"
)

// PasswordEnv names the environment variable that holds the superuser
// password when no file is given.
const PasswordEnv = "SCTPCHAT_SU_PASSWORD"

// LoadPassword reads the superuser password from file (its first line,
// without the line ending) or, when file is empty, from the environment
// variable PasswordEnv. An empty result means the superuser is disabled.
// Errors never include the password.
func LoadPassword(file string) ([]byte, error) {
	if file == "" {
		return []byte(os.Getenv(PasswordEnv)), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("superuser password: %w", err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if len(line) == 0 {
		return nil, fmt.Errorf("superuser password: %s has an empty first line", file)
	}
	return line, nil
}

/* Parses files with the generated Squall parser and the tree-sitter 0.13 runtime.
 *   parse FILE...   prints each file's syntax tree as one S-expression line
 *                   ("FILE<TAB>(source_file ...)") and exits 1 if any tree has an ERROR
 *                   or MISSING node, 2 on a usage or I/O error. */
#include <stdio.h>
#include <stdlib.h>
#include <tree_sitter/runtime.h>

const TSLanguage *tree_sitter_squall(void);

static char *read_file(const char *path, long *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)*size + 1);
  if (buf && fread(buf, 1, (size_t)*size, f) != (size_t)*size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) buf[*size] = '\0';
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE...\n", argv[0]);
    return 2;
  }
  TSParser *parser = ts_parser_new();
  if (!ts_parser_set_language(parser, tree_sitter_squall())) {
    fprintf(stderr, "language version mismatch\n");
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    long size = 0;
    char *text = read_file(argv[i], &size);
    if (!text) {
      fprintf(stderr, "cannot read %s\n", argv[i]);
      return 2;
    }
    TSTree *tree = ts_parser_parse_string(parser, NULL, text, (uint32_t)size);
    TSNode root = ts_tree_root_node(tree);
    char *sexp = ts_node_string(root);
    printf("%s\t%s\n", argv[i], sexp);
    if (ts_node_has_error(root)) status = 1;
    free(sexp);
    ts_tree_delete(tree);
    free(text);
  }
  ts_parser_delete(parser);
  return status;
}

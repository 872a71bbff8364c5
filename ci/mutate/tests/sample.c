/* mutant_gen's fixture: every operator once, and every place it must not
 * touch: comments (a < b && !c), strings, characters, #include, sizes.
 * Its odd shapes are the point: clang-format leaves it alone. */
// clang-format off
#include <stdbool.h>
#define LIMIT 8
#define TWICE(x) ((x) * 2 == 4)

static const unsigned char table[3] = {0x2a, 07, 0};
struct pair {
  int a[4];
};

static bool check(int n, const char *s) {
  char buf[16];
  if (n < LIMIT && !s) return false;
  for (int i = 0; i <= n; i++) buf[i % 16] = 'x';
  switch (n) {
    case 1:
      n++;
      break;
    default:
      goto out;
  }
out:
  do n--; while (n >= 2 || n != 9);
  (void)buf;
  return TWICE(n) == true && s[0] != '<' && table[1] > 1u;
}

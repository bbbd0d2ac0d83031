/* melspecx core — cairo and pango, opened when a picture is first annotated.
 * SPDX-License-Identifier: MIT
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "msx_cairo.h"

/* libpangocairo depends on libpango, libcairo and libgobject: dlsym on its
 * handle finds every function of the table. */
#define PANGOCAIRO_SONAME "libpangocairo-1.0.so.0"

MsxCairo msx_cairo;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];

static void
open_once (void)
{
  void *lib = dlopen (PANGOCAIRO_SONAME, RTLD_NOW | RTLD_LOCAL);

  if (lib == NULL) {
    snprintf (failure, sizeof failure,
        "annotation needs cairo and pango at run time (Debian packages "
        "libcairo2 and libpangocairo-1.0-0): %s",
        dlerror ());
    return;
  }
#define MSX_CAIRO_RESOLVE(name)                                                \
  if (failure[0] == '\0' &&                                                    \
      (*(void **)&msx_cairo.name = dlsym (lib, #name)) == NULL)                \
    snprintf (failure, sizeof failure,                                         \
        "annotation needs %s, which %s does not provide", #name,               \
        PANGOCAIRO_SONAME);
  MSX_CAIRO_FUNCTIONS (MSX_CAIRO_RESOLVE)
#undef MSX_CAIRO_RESOLVE
}

const char *
msx_cairo_open (void)
{
  pthread_once (&once, open_once);
  return failure[0] ? failure : NULL;
}

/* melspecx core — cairo and pango, opened when a picture is first annotated.
 * SPDX-License-Identifier: MIT
 *
 * Linked into the plugin, cairo and pango made every process that loads it
 * map about 25 more libraries (pango's and cairo's own dependencies: X11,
 * fontconfig, freetype, harfbuzz...): ~10 ms of dynamic linking and ~3 MB
 * for each pipeline, annotated or not.  msx_annotate.c, their only user,
 * calls them through msx_cairo instead, filled once from libpangocairo and
 * the libraries it depends on, on the first annotation.
 *
 * The headers give the types at build time; nothing links against them.
 */
#ifndef MSX_CAIRO_H
#define MSX_CAIRO_H

#include <cairo.h>
#include <pango/pangocairo.h>

/* Every function msx_annotate.c calls. */
#define MSX_CAIRO_FUNCTIONS(X)                                                 \
  X (cairo_create)                                                             \
  X (cairo_destroy)                                                            \
  X (cairo_font_options_create)                                                \
  X (cairo_font_options_destroy)                                               \
  X (cairo_font_options_set_antialias)                                         \
  X (cairo_font_options_set_hint_metrics)                                      \
  X (cairo_font_options_set_hint_style)                                        \
  X (cairo_image_surface_create)                                               \
  X (cairo_image_surface_get_data)                                             \
  X (cairo_image_surface_get_stride)                                           \
  X (cairo_line_to)                                                            \
  X (cairo_move_to)                                                            \
  X (cairo_paint)                                                              \
  X (cairo_rectangle)                                                          \
  X (cairo_set_antialias)                                                      \
  X (cairo_set_line_width)                                                     \
  X (cairo_set_operator)                                                       \
  X (cairo_set_source_rgb)                                                     \
  X (cairo_set_source_surface)                                                 \
  X (cairo_stroke)                                                             \
  X (cairo_surface_destroy)                                                    \
  X (cairo_surface_flush)                                                      \
  X (cairo_surface_status)                                                     \
  X (g_object_unref)                                                           \
  X (pango_cairo_context_set_font_options)                                     \
  X (pango_cairo_font_map_new)                                                 \
  X (pango_cairo_show_layout)                                                  \
  X (pango_cairo_update_context)                                               \
  X (pango_font_description_copy)                                              \
  X (pango_font_description_free)                                              \
  X (pango_font_description_from_string)                                       \
  X (pango_font_description_set_absolute_size)                                 \
  X (pango_font_description_set_weight)                                        \
  X (pango_font_map_create_context)                                            \
  X (pango_layout_get_pixel_size)                                              \
  X (pango_layout_new)                                                         \
  X (pango_layout_set_font_description)                                        \
  X (pango_layout_set_text)

/* One pointer per function, of the function's own type and name. */
typedef struct {
#define MSX_CAIRO_POINTER(name) __typeof__ (name) *name;
  MSX_CAIRO_FUNCTIONS (MSX_CAIRO_POINTER)
#undef MSX_CAIRO_POINTER
} MsxCairo;

/* Filled by msx_cairo_open(); read only after it returned NULL. */
extern MsxCairo msx_cairo;

/**
 * msx_cairo_open:
 * Opens the libraries and fills msx_cairo, once per process (thread-safe;
 * the libraries stay loaded).
 *
 * Returns: NULL, or why they could not be opened (the same sentence on
 *   every later call).
 */
const char *msx_cairo_open (void);

#endif /* MSX_CAIRO_H */

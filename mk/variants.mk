# variants.mk — the axes and the named variants, in one place.
#
# AXES lists the compile-time axes (make knobs); the value V of axis A is the
# folder variants/<folder of A>-V/. Each named variant has two lines: its
# value for every axis (in AXES order) and a one-line description.

AXES := PMAP PAGER
axis_folder = $(if $(filter PMAP,$(1)),pmap,$(if $(filter PAGER,$(1)),pager))

VARIANTS := default pager-kernel
VARIANT_default_AXES := radix user
VARIANT_default_DESC := the classic Mach structure (multi-level page tables, a default pager task)
VARIANT_pager-kernel_AXES := radix kernel
VARIANT_pager-kernel_DESC := the default pager in the kernel, reached by direct calls

# $(call variant_axis,NAME,AXIS): variant NAME's value for AXIS
variant_axis = $(word $(call axis_index,$(2)),$(VARIANT_$(1)_AXES))
axis_index = $(words $(call _upto,$(1),$(AXES)))
_upto = $(if $(filter $(1),$(firstword $(2))),$(1),$(firstword $(2)) $(call _upto,$(1),$(wordlist 2,$(words $(2)),$(2))))
variant_desc = $(VARIANT_$(1)_DESC)
# the build folder of knobs given by hand: their values joined by '-'
axes_name = $(subst $(subst ,, ),-,$(strip $(foreach a,$(AXES),$($(a)))))

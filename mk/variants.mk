# variants.mk — the axes and the named variants, in one place.
#
# AXES lists the compile-time axes (make knobs); the value V of axis A is the
# folder variants/<folder of A>-V/ (a new value is a new folder). Each named
# variant has two lines: its value for every axis (in AXES order) and a
# one-line description.

AXES := MSG PAGER PMAP
AXIS_MSG_FOLDER   := msg
AXIS_PAGER_FOLDER := pager
AXIS_PMAP_FOLDER  := pmap
axis_folder = $(AXIS_$(1)_FOLDER)
axis_values = $(patsubst variants/$(call axis_folder,$(1))-%,%,$(wildcard variants/$(call axis_folder,$(1))-*))

VARIANTS := default msg-copy pager-kernel pmap-hashed
VARIANT_default_AXES := cow user radix
VARIANT_default_DESC := the classic Mach structure: copy-on-write messages, a default pager task, 4-level page tables
VARIANT_msg-copy_AXES := copy user radix
VARIANT_msg-copy_DESC := out-of-line regions copied when sent instead of shared copy-on-write
VARIANT_pager-kernel_AXES := cow kernel radix
VARIANT_pager-kernel_DESC := the default pager in the kernel, reached by direct calls (no fault sends a message)

# $(call variant_axis,NAME,AXIS): variant NAME's value for AXIS
variant_axis = $(word $(call axis_index,$(2)),$(VARIANT_$(1)_AXES))
axis_index = $(words $(call _upto,$(1),$(AXES)))
_upto = $(if $(filter $(1),$(firstword $(2))),$(1),$(firstword $(2)) $(call _upto,$(1),$(wordlist 2,$(words $(2)),$(2))))
variant_desc = $(VARIANT_$(1)_DESC)
# the build folder of knobs given by hand: their values joined by '-'
axes_name = $(subst $(subst ,, ),-,$(strip $(foreach a,$(AXES),$($(a)))))
VARIANT_pmap-hashed_AXES := cow user hashed
VARIANT_pmap-hashed_DESC := one global hashed page table behind small per-task hardware tables

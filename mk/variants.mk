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

# Every combination of axis values, each as AXIS=value words joined by ','
# (the cross product over the folders under variants/).
cross = $(if $(1),$(foreach v,$(call axis_values,$(firstword $(1))),$(call cross,$(wordlist 2,$(words $(1)),$(1)),$(2)$(if $(2),$(comma))$(firstword $(1))=$(v))),$(2))
comma := ,
# the combinations no named variant covers
named_combos = $(foreach n,$(VARIANTS),$(subst $(subst ,, ),$(comma),$(join $(addsuffix =,$(AXES)),$(VARIANT_$(n)_AXES))))
unnamed_combos = $(filter-out $(named_combos),$(call cross,$(AXES),))
# a combination's build folder name: its values joined by '-' (as axes_name)
combo_name = $(subst $(subst ,, ),-,$(foreach w,$(subst $(comma), ,$(1)),$(lastword $(subst =, ,$(w)))))
VARIANT_pmap-hashed_AXES := cow user hashed
VARIANT_pmap-hashed_DESC := one global hashed page table behind small per-task hardware tables

# variants.mk — the axes and the named variants, in one place.
#
# AXES lists the compile-time axes (make knobs); the value V of axis A is the
# folder variants/<folder of A>-V/ (a new value is a new folder: make test
# builds and tests it in every combination with the other axes' values).
# A named variant is one line: $(eval $(call variant,NAME,VALUES,DESCRIPTION))
# with its value for every axis in AXES order (no commas in the description).

AXES := MSG PAGER PMAP UNIX
AXIS_MSG_FOLDER   := msg
AXIS_PAGER_FOLDER := pager
AXIS_PMAP_FOLDER  := pmap
AXIS_UNIX_FOLDER  := unix
axis_folder = $(AXIS_$(1)_FOLDER)
axis_values = $(patsubst variants/$(call axis_folder,$(1))-%,%,$(wildcard variants/$(call axis_folder,$(1))-*))

define variant
VARIANTS += $(1)
VARIANT_$(1)_AXES := $(2)
VARIANT_$(1)_DESC := $(strip $(3))
endef

VARIANTS :=
$(eval $(call variant,default,cow user radix server,the classic Mach structure: copy-on-write messages; a default pager task; 4-level page tables; the Unix server a user task))
$(eval $(call variant,msg-copy,copy user radix server,out-of-line regions copied when sent instead of shared copy-on-write))
$(eval $(call variant,pager-kernel,cow kernel radix server,the default pager in the kernel reached by direct calls (no fault sends a message)))
$(eval $(call variant,pmap-hashed,cow user hashed server,one global hashed page table behind small per-task hardware tables))
$(eval $(call variant,unix-colocated,cow user radix colocated,the Unix server linked into the kernel: a supervisor thread reached through the same IPC))

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

// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The model's object manager (references, handle tables, Zw calls on handles), pool (tags,
 * sizes, leaks) and the little of Se and Rtl security DriverEntry and IRP_MJ_CREATE use.
 * Contracts as in wm_kernel.c: a violation stops the machine with Windows's bugcheck code.
 */
#include <stdlib.h>

#include "wm.h"

static OBJECT_TYPE thread_type = { "Thread", WM_T_THREAD };
static OBJECT_TYPE event_type = { "Event", WM_T_EVENT };
static OBJECT_TYPE file_type = { "File", WM_T_FILE };
static OBJECT_TYPE process_type = { "Process", WM_T_PROCESS };
/* mingw's binding (ntifs.h): the variable's value is the type object itself */
POBJECT_TYPE *PsThreadType = (POBJECT_TYPE *)&thread_type;
POBJECT_TYPE *ExEventObjectType = (POBJECT_TYPE *)&event_type;
POBJECT_TYPE *IoFileObjectType = (POBJECT_TYPE *)&file_type;
POBJECT_TYPE *PsProcessType = (POBJECT_TYPE *)&process_type;

/* ---- the object manager ----------------------------------------------------------------- */

struct wm_event {
	KEVENT ev;
	LONG refs;
};

static LONG *obj_refs(void *obj)
{
	DISPATCHER_HEADER *h = obj;

	switch (h->Type) {
	case WM_OBJ_THREAD:
		return &((struct wm_thread *)obj)->refs;
	case WM_OBJ_PROCESS:
		return &((struct wm_process *)obj)->refs;
	case WM_OBJ_EVENT_N:
	case WM_OBJ_EVENT_S:
		return &((struct wm_event *)obj)->refs;
	}
	wm_bugcheck(0x18, "REFERENCE_BY_POINTER: %p is no object", obj);
}

LONG wm_object_refs(void *obj)
{
	return __atomic_load_n(obj_refs(obj), __ATOMIC_ACQUIRE);
}

void ObReferenceObject(PVOID obj)
{
	LONG *r = obj_refs(obj);

	if (__atomic_fetch_add(r, 1, __ATOMIC_SEQ_CST) <= 0)
		wm_bugcheck(0x18, "REFERENCE_BY_POINTER: reference to a deleted object %p", obj);
}

void ObDereferenceObject(PVOID obj)
{
	LONG *r = obj_refs(obj);
	LONG left = __atomic_sub_fetch(r, 1, __ATOMIC_SEQ_CST);

	if (left < 0)
		wm_bugcheck(0x18, "REFERENCE_BY_POINTER: object %p dereferenced once too often",
			    obj);
	/* objects stay allocated (a later use of a dead one is caught through refs) */
}

HANDLE wm_handle_insert(struct wm_process *p, void *obj, enum wm_type type, ACCESS_MASK access)
{
	int i;

	pthread_mutex_lock(&wm_lock);
	for (i = 0; i < WM_MAX_HANDLES; i++) {
		if (!p->handles[i].obj) {
			p->handles[i] = (struct wm_handle){ obj, type, access };
			pthread_mutex_unlock(&wm_lock);
			return (HANDLE)((ULONG_PTR)(i + 1) << 2 |
					(p == wm_system ? WM_KERNEL_HANDLE_BIT : 0));
		}
	}
	wm_bugcheck(0xC4, "handle table of %s full", p->name);
}

/* The table entry @h names, for a caller in kernel mode (@mode KernelMode) or user mode. */
static struct wm_handle *handle_lookup(HANDLE h, KPROCESSOR_MODE mode, struct wm_process **in)
{
	ULONG_PTR v = (ULONG_PTR)h;
	struct wm_process *p;
	ULONG_PTR i;

	if (v & WM_KERNEL_HANDLE_BIT) {
		if (mode == UserMode)
			return NULL;
		p = wm_system;
	} else {
		p = wm_context_process();
		if (mode == KernelMode && p != wm_system)
			wm_bugcheck(0xC4,
				    "DRIVER_VERIFIER_DETECTED_VIOLATION (0xF6): a user-mode "
				    "handle of %s referenced with AccessMode KernelMode",
				    p->name);
	}
	i = ((v & ~WM_KERNEL_HANDLE_BIT) >> 2) - 1;
	if (i >= WM_MAX_HANDLES || !p->handles[i].obj)
		return NULL;
	*in = p;
	return &p->handles[i];
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK Access, POBJECT_TYPE Type,
				   KPROCESSOR_MODE Mode, PVOID *Object,
				   POBJECT_HANDLE_INFORMATION Info)
{
	struct wm_process *in;
	struct wm_handle *h;

	(void)Info;
	wm_enter("ObReferenceObjectByHandle", PASSIVE_LEVEL);
	*Object = NULL;
	h = handle_lookup(Handle, Mode, &in);
	if (!h)
		return STATUS_INVALID_HANDLE;
	if (Type && Type != &thread_type && Type != &event_type && Type != &file_type &&
	    Type != &process_type)
		return STATUS_OBJECT_TYPE_MISMATCH; /* not a type object at all */
	if (Type && Type->Kind != (int)h->type)
		return STATUS_OBJECT_TYPE_MISMATCH;
	if (Mode == UserMode && (Access & ~h->access))
		return STATUS_ACCESS_DENIED;
	if (h->type == WM_T_FILE)
		wm_bugcheck(0xC4, "file objects by handle are not modelled");
	ObReferenceObject(h->obj);
	*Object = h->obj;
	return STATUS_SUCCESS;
}

NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG Attributes, PVOID AccessState,
			       ACCESS_MASK Access, POBJECT_TYPE Type, KPROCESSOR_MODE Mode,
			       PHANDLE Handle)
{
	(void)AccessState;
	(void)Type;
	(void)Mode;
	wm_enter("ObOpenObjectByPointer", PASSIVE_LEVEL);
	if (wm_should_fail("ObOpenObjectByPointer"))
		return STATUS_INSUFFICIENT_RESOURCES;
	*Handle = wm_handle_insert((Attributes & OBJ_KERNEL_HANDLE) ? wm_system
								    : wm_context_process(),
				   Object, 0, Access);
	return STATUS_SUCCESS;
}

NTSTATUS ZwClose(HANDLE Handle)
{
	struct wm_process *in;
	struct wm_handle *h, copy;

	wm_enter("ZwClose", PASSIVE_LEVEL);
	h = handle_lookup(Handle, KernelMode, &in);
	if (!h)
		wm_bugcheck(0x93, "INVALID_KERNEL_HANDLE: ZwClose(%p)", Handle);
	copy = *h;
	h->obj = NULL;
	if (copy.type == WM_T_FILE)
		wm_io_close_handle_obj(in, copy.obj);
	else if (copy.type)
		ObDereferenceObject(copy.obj);
	return STATUS_SUCCESS;
}

NTSTATUS ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
	NTSTATUS status;
	PVOID obj;

	status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, NULL, KernelMode, &obj, NULL);
	if (!NT_SUCCESS(status))
		return status;
	status = KeWaitForSingleObject(obj, Executive, KernelMode, Alertable, Timeout);
	ObDereferenceObject(obj);
	return status;
}

HANDLE wm_event_create(struct wm_process *p, ACCESS_MASK access)
{
	struct wm_event *e = calloc(1, sizeof(*e));

	KeInitializeEvent(&e->ev, SynchronizationEvent, FALSE);
	e->refs = 1; /* the handle's */
	return wm_handle_insert(p, e, WM_T_EVENT, access);
}

/* ---- pool: tags, sizes, leaks ---------------------------------------------------------------- */

struct pool_block {
	struct pool_block *next;
	void *p;
	SIZE_T size;
	ULONG tag;
	bool pages;
};
static struct pool_block *pool;
static long pool_count;

long wm_pool_count(void)
{
	return pool_count;
}

PVOID ExAllocatePoolWithTag(POOL_TYPE Type, SIZE_T Bytes, ULONG Tag)
{
	struct pool_block *b;

	wm_enter("ExAllocatePoolWithTag", Type == PagedPool ? APC_LEVEL : DISPATCH_LEVEL);
	if (!Tag || Tag == ' kdD')
		wm_bugcheck(0xC2, "BAD_POOL_CALLER: allocation without a tag of its own");
	if (wm_should_fail("ExAllocatePoolWithTag"))
		return NULL;
	b = calloc(1, sizeof(*b));
	b->size = Bytes;
	b->tag = Tag;
	/* a page or more: whole pages, page aligned, with physical pages an MDL can describe */
	b->pages = Bytes >= PAGE_SIZE;
	b->p = b->pages ? wm_pool_pages_alloc(Bytes) : malloc(Bytes ? Bytes : 1);
	memset(b->p, 0xa5, Bytes); /* pool is not zeroed */
	pthread_mutex_lock(&wm_lock);
	b->next = pool;
	pool = b;
	pool_count++;
	pthread_mutex_unlock(&wm_lock);
	return b->p;
}

static void pool_free(PVOID P, ULONG Tag, bool check_tag)
{
	struct pool_block **pp, *b;

	wm_enter("ExFreePoolWithTag", DISPATCH_LEVEL);
	pthread_mutex_lock(&wm_lock);
	for (pp = &pool; *pp; pp = &(*pp)->next) {
		if ((*pp)->p == P)
			break;
	}
	b = *pp;
	if (!b)
		wm_bugcheck(0xC2, "BAD_POOL_CALLER: freeing %p, which is not a live pool block", P);
	if (check_tag && b->tag != Tag)
		wm_bugcheck(0xC2, "BAD_POOL_CALLER: block %p tagged %.4s freed with tag %.4s", P,
			    (char *)&b->tag, (char *)&Tag);
	wm_timer_check_free(b->p, b->size);
	*pp = b->next;
	pool_count--;
	pthread_mutex_unlock(&wm_lock);
	if (b->pages)
		wm_pool_pages_free(b->p, b->size);
	else
		free(b->p);
	free(b);
}

/* Pool the model allocates on the driver's behalf (MmAllocatePagesForMdlEx's MDL). */
void *wm_pool_alloc_internal(SIZE_T bytes, ULONG tag);
void *wm_pool_alloc_internal(SIZE_T bytes, ULONG tag)
{
	void *p;

	wm_internal(true);
	p = ExAllocatePoolWithTag(NonPagedPoolNx, bytes, tag);
	wm_internal(false);
	return p;
}

void ExFreePoolWithTag(PVOID P, ULONG Tag)
{
	pool_free(P, Tag, true);
}

void ExFreePool(PVOID P)
{
	pool_free(P, 0, false);
}

bool wm_mm_is_pool(const void *p, SIZE_T *size)
{
	struct pool_block *b;
	bool found = false;

	pthread_mutex_lock(&wm_lock);
	for (b = pool; b; b = b->next) {
		if ((const char *)p >= (char *)b->p && (const char *)p < (char *)b->p + b->size) {
			*size = b->size - (SIZE_T)((const char *)p - (char *)b->p);
			found = b->pages;
			break;
		}
	}
	pthread_mutex_unlock(&wm_lock);
	return found;
}

/* ---- security: enough for DriverEntry's DACL and IRP_MJ_CREATE's check ------------------- */

static SID system_sid = { 1, 1, { 0, 0, 0, 0, 0, 5 }, { 18 } };
static struct {
	SID sid;
	ULONG more;
} admins_sid = { { 1, 2, { 0, 0, 0, 0, 0, 5 }, { 32 } }, 544 };
static SE_EXPORTS se_exports = { &system_sid, &admins_sid.sid };
PSE_EXPORTS SeExports = &se_exports;

ULONG RtlLengthSid(PSID s)
{
	return 8 + 4 * s->SubAuthorityCount;
}

NTSTATUS RtlCreateAcl(PACL a, ULONG len, ULONG rev)
{
	if (len < sizeof(ACL) || rev != ACL_REVISION)
		return STATUS_INVALID_PARAMETER;
	memset(a, 0, sizeof(*a));
	a->AclRevision = (UCHAR)rev;
	a->AclSize = (USHORT)len;
	return STATUS_SUCCESS;
}

NTSTATUS RtlAddAccessAllowedAce(PACL a, ULONG rev, ACCESS_MASK m, PSID s)
{
	(void)m;
	(void)s;
	if (rev != ACL_REVISION)
		return STATUS_INVALID_PARAMETER;
	a->AceCount++;
	return STATUS_SUCCESS;
}

NTSTATUS RtlCreateSecurityDescriptor(PSECURITY_DESCRIPTOR sd, ULONG rev)
{
	sd->Revision = (UCHAR)rev;
	sd->Dacl = NULL;
	return STATUS_SUCCESS;
}

NTSTATUS RtlSetDaclSecurityDescriptor(PSECURITY_DESCRIPTOR sd, BOOLEAN present, PACL dacl,
				      BOOLEAN defaulted)
{
	(void)present;
	(void)defaulted;
	sd->Dacl = dacl;
	return STATUS_SUCCESS;
}

NTSTATUS ZwSetSecurityObject(HANDLE h, SECURITY_INFORMATION info, PSECURITY_DESCRIPTOR sd)
{
	struct wm_process *in;

	(void)info;
	wm_enter("ZwSetSecurityObject", PASSIVE_LEVEL);
	if (!handle_lookup(h, KernelMode, &in))
		wm_bugcheck(0x93, "INVALID_KERNEL_HANDLE: ZwSetSecurityObject");
	return sd->Dacl && sd->Dacl->AceCount == 2 ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

void SeLockSubjectContext(PSECURITY_SUBJECT_CONTEXT c)
{
	(void)c;
	wm_enter("SeLockSubjectContext", PASSIVE_LEVEL);
}

void SeUnlockSubjectContext(PSECURITY_SUBJECT_CONTEXT c)
{
	(void)c;
}

BOOLEAN SeTokenIsAdmin(PACCESS_TOKEN token)
{
	return ((struct wm_process *)token)->admin;
}

BOOLEAN SeSinglePrivilegeCheck(LUID priv, KPROCESSOR_MODE mode)
{
	(void)priv;
	(void)mode;
	return wm_context_process()->debug_privilege; /* SeDebugPrivilege, enabled */
}

// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The model's I/O manager: the driver object, its device and link, and the life of a file
 * object as Windows runs it:
 *
 *   open       IRP_MJ_CREATE in the opener's context; one handle, one pointer reference
 *   ioctl      the IRP holds a pointer reference for as long as the driver has it, so a file
 *              whose last handle is closed meanwhile gets IRP_MJ_CLEANUP while the IOCTL is
 *              still running, and IRP_MJ_CLOSE only after it has completed
 *   close      last handle: IRP_MJ_CLEANUP in the closing process (at exit: in the exiting
 *              process); last reference: IRP_MJ_CLOSE, here always in the System process,
 *              since Windows promises no particular one
 *   read/write by the device's transfer flag: DO_BUFFERED_IO, a system buffer of Length
 *              (a write's data copied in before dispatch, Information bytes of a read's
 *              copied out after); DO_DIRECT_IO, the caller's pages probed and locked
 *              (IoReadAccess for a write, IoWriteAccess for a read) into Irp->MdlAddress,
 *              unlocked at completion. A failed probe completes the request with the
 *              exception's code and the driver never sees it; a zero-length request comes
 *              with neither buffer nor MDL.
 *
 * Every dispatch call is checked: exactly one IoCompleteRequest, the status returned equal to
 * the one completed, the IRQL unchanged.
 */
#include <stdlib.h>
#include <wchar.h>

#include "wm.h"

DRIVER_INITIALIZE DriverEntry;
/* kumem.sys's loader entry points as an export driver (windows/kapi.c) and the example
 * driver's DriverEntry (windows/example/, compiled with this name for the model). */
NTSTATUS DllInitialize(PUNICODE_STRING RegistryPath);
NTSTATUS DllUnload(void);
DRIVER_INITIALIZE KumemExampleDriverEntry;

/*
 * Two driver images: kumem.sys (drv) and its importer kumem_example.sys (example_drv). The
 * model's loader keeps kumem.sys's image while the service runs or an importer is loaded
 * (the system reference-counts export drivers); its leak checks run when the image goes.
 */
static DRIVER_OBJECT drv, example_drv;
static bool kumem_service, kumem_image, example_loaded;
static int links;
#define WM_LINKS 8
struct wm_link {
	PDRIVER_OBJECT owner; /* the driver of the device it names */
	bool used;
	WCHAR name[64];
};
static struct wm_link link_table[WM_LINKS];
static long open_files, open_example_files; /* on kumem's devices, on the example's */
static long dispatched[IRP_MJ_MAXIMUM_FUNCTION + 1];

void IoCompleteRequest(PIRP Irp, KPRIORITY Boost)
{
	(void)Boost;
	wm_enter("IoCompleteRequest", DISPATCH_LEVEL);
	if (++Irp->Completions > 1)
		wm_bugcheck(0x44, "MULTIPLE_IRP_COMPLETE_REQUESTS");
	if (Irp->IoStatus.Status == STATUS_PENDING)
		wm_bugcheck(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION: IRP completed with "
				  "STATUS_PENDING");
	if (Irp->CancelRoutine)
		wm_bugcheck(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION: IRP completed with its "
				  "cancel routine still set");
	if (Irp->Async)
		wm_irp_completed(Irp); /* may finish (and free) it: not ours any more */
}

PEPROCESS IoGetRequestorProcess(PIRP Irp)
{
	wm_enter("IoGetRequestorProcess", DISPATCH_LEVEL);
	return Irp->Process;
}

BOOLEAN IoIs32bitProcess(PIRP Irp)
{
	return Irp ? Irp->Process->is32 : wm_context_process()->is32;
}

void RtlInitUnicodeString(PUNICODE_STRING s, PCWSTR w)
{
	s->Buffer = (PWCHAR)w;
	s->Length = (USHORT)(w ? wcslen(w) * sizeof(WCHAR) : 0);
	s->MaximumLength = s->Length;
}

NTSTATUS IoCreateDevice(PDRIVER_OBJECT Driver, ULONG ExtSize, PUNICODE_STRING Name, ULONG Type,
			ULONG Characteristics, BOOLEAN Exclusive, PDEVICE_OBJECT *Device)
{
	PDEVICE_OBJECT d;

	(void)ExtSize;
	(void)Exclusive;
	wm_enter("IoCreateDevice", PASSIVE_LEVEL);
	if (wm_should_fail("IoCreateDevice"))
		return STATUS_INSUFFICIENT_RESOURCES;
	d = calloc(1, sizeof(*d));
	d->DriverObject = Driver;
	d->Flags = DO_DEVICE_INITIALIZING;
	d->Type = Type;
	d->Characteristics = Characteristics;
	if (Name && Name->Length / sizeof(WCHAR) < sizeof(d->ModelName) / sizeof(WCHAR))
		memcpy(d->ModelName, Name->Buffer, Name->Length);
	d->NextDevice = Driver->DeviceObject;
	Driver->DeviceObject = d;
	*Device = d;
	return STATUS_SUCCESS;
}

void IoDeleteDevice(PDEVICE_OBJECT Device)
{
	PDEVICE_OBJECT *at = &Device->DriverObject->DeviceObject;

	wm_enter("IoDeleteDevice", PASSIVE_LEVEL);
	while (*at && *at != Device)
		at = &(*at)->NextDevice;
	if (!*at)
		wm_bugcheck(0xC4, "IoDeleteDevice of a device that does not exist");
	*at = Device->NextDevice;
	free(Device);
}

static PDEVICE_OBJECT device_named(PCWSTR name);

static void wname(WCHAR *to, PUNICODE_STRING s)
{
	memset(to, 0, 64 * sizeof(WCHAR));
	if (s->Length / sizeof(WCHAR) < 64)
		memcpy(to, s->Buffer, s->Length);
}

/* Links by the driver of the device they name. */
static int links_of(PDRIVER_OBJECT d)
{
	int i, n = 0;

	for (i = 0; i < WM_LINKS; i++)
		n += link_table[i].used && link_table[i].owner == d;
	return n;
}

static int devices_of(PDRIVER_OBJECT d)
{
	PDEVICE_OBJECT o;
	int n = 0;

	for (o = d->DeviceObject; o; o = o->NextDevice)
		n++;
	return n;
}

NTSTATUS IoCreateSymbolicLink(PUNICODE_STRING Link, PUNICODE_STRING Target)
{
	WCHAR target[64];
	PDEVICE_OBJECT d;
	int i;

	wm_enter("IoCreateSymbolicLink", PASSIVE_LEVEL);
	if (wm_should_fail("IoCreateSymbolicLink"))
		return STATUS_INSUFFICIENT_RESOURCES;
	wname(target, Target);
	d = device_named(target);
	for (i = 0; i < WM_LINKS && link_table[i].used; i++)
		;
	if (!d || i == WM_LINKS)
		wm_bugcheck(0xC4, "IoCreateSymbolicLink to a device that does not exist");
	link_table[i].used = true;
	link_table[i].owner = d->DriverObject;
	wname(link_table[i].name, Link);
	links++;
	return STATUS_SUCCESS;
}

NTSTATUS IoDeleteSymbolicLink(PUNICODE_STRING Link)
{
	WCHAR name[64];
	int i;

	wm_enter("IoDeleteSymbolicLink", PASSIVE_LEVEL);
	wname(name, Link);
	for (i = 0; i < WM_LINKS; i++)
		if (link_table[i].used && !wcscmp(link_table[i].name, name))
			break;
	if (i == WM_LINKS)
		wm_bugcheck(0xC4, "IoDeleteSymbolicLink of a link that does not exist");
	link_table[i].used = false;
	links--;
	return STATUS_SUCCESS;
}

/* Run one IRP through the driver in @p's context, with the I/O manager's checks. A request
 * may be pended (STATUS_PENDING after IoMarkIrpPending) only if it is an overlapped one
 * (irp->Async); it may be completed before the dispatch routine returns. */
NTSTATUS wm_call_driver(struct wm_process *p, PIRP irp)
{
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;
	KIRQL irql = t->irql;
	NTSTATUS status;

	t->proc = p;
	irp->Process = p;
	irp->RequestorMode = p == wm_system ? KernelMode : UserMode;
	pthread_mutex_lock(&wm_lock);
	dispatched[irp->Stack.MajorFunction]++;
	pthread_mutex_unlock(&wm_lock);
	/* the device the file was opened on: the driver has several */
	status = irp->Stack.FileObject->DeviceObject->DriverObject
			 ->MajorFunction[irp->Stack.MajorFunction](
				 irp->Stack.FileObject->DeviceObject, irp);
	wm_irp_dispatch_returned(irp); /* the IRP is the I/O manager's again (wm_irp.c) */
	if (t->irql != irql || t->mutexes)
		wm_bugcheck(0xC4, "dispatch routine %#x returned at IRQL %d holding %d mutexes",
			    irp->Stack.MajorFunction, t->irql, t->mutexes);
	if (t->attached)
		wm_bugcheck(0x06, "dispatch routine returned still attached to another process");
	if (status == STATUS_PENDING) {
		if (!(irp->Stack.Control & SL_PENDING_RETURNED))
			wm_bugcheck(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION: dispatch routine "
					  "%#x returned STATUS_PENDING without IoMarkIrpPending",
				    irp->Stack.MajorFunction);
		if (!irp->Async)
			wm_bugcheck(0xC4, "dispatch routine %#x pended a request the model only "
					  "sends synchronously",
				    irp->Stack.MajorFunction);
		t->proc = was;
		return status;
	}
	if (irp->Stack.Control & SL_PENDING_RETURNED)
		wm_bugcheck(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION: IoMarkIrpPending, then "
				  "dispatch routine %#x returned %#x",
			    irp->Stack.MajorFunction, (unsigned)status);
	if (irp->Completions != 1)
		wm_bugcheck(0xC4, "dispatch routine %#x completed its IRP %d times",
			    irp->Stack.MajorFunction, irp->Completions);
	if (status != irp->IoStatus.Status)
		wm_bugcheck(0xC4, "dispatch routine returned %#x but completed with %#x",
			    (unsigned)status, (unsigned)irp->IoStatus.Status);
	t->proc = was;
	return status;
}

void wm_file_deref(PFILE_OBJECT f)
{
	IRP irp = { 0 };
	LONG left;

	pthread_mutex_lock(&wm_lock);
	left = --f->PointerCount;
	pthread_mutex_unlock(&wm_lock);
	if (left)
		return;
	/* the last reference: IRP_MJ_CLOSE, in no particular process (here: System) */
	irp.Stack.MajorFunction = IRP_MJ_CLOSE;
	irp.Stack.FileObject = f;
	wm_call_driver(wm_system, &irp);
	pthread_mutex_lock(&wm_lock);
	if (f->DeviceObject->DriverObject == &drv)
		open_files--;
	else
		open_example_files--;
	pthread_mutex_unlock(&wm_lock);
	memset(f, 0x6b, sizeof(*f));
	free(f);
}

void wm_io_close_handle_obj(struct wm_process *p, void *obj)
{
	PFILE_OBJECT f = obj;
	IRP irp = { 0 };
	LONG left;

	pthread_mutex_lock(&wm_lock);
	left = --f->HandleCount;
	pthread_mutex_unlock(&wm_lock);
	if (!left) {
		irp.Stack.MajorFunction = IRP_MJ_CLEANUP;
		irp.Stack.FileObject = f;
		wm_call_driver(p, &irp);
		wm_irp_check_cleanup(f);
	}
	wm_file_deref(f);
}

long wm_io_dispatched(UCHAR major)
{
	long n;

	pthread_mutex_lock(&wm_lock);
	n = dispatched[major];
	pthread_mutex_unlock(&wm_lock);
	return n;
}

/* The object manager's name lookup: the driver's device created under @name. */
static PDEVICE_OBJECT device_named(PCWSTR name)
{
	PDEVICE_OBJECT d;

	for (d = drv.DeviceObject; d; d = d->NextDevice)
		if (!wcscmp(d->ModelName, name))
			return d;
	for (d = example_drv.DeviceObject; d; d = d->NextDevice)
		if (!wcscmp(d->ModelName, name))
			return d;
	return NULL;
}

HANDLE wm_open_device(struct wm_process *p, PCWSTR name, NTSTATUS *status)
{
	ACCESS_STATE as = { { NULL, p } };
	IO_SECURITY_CONTEXT sc = { &as };
	PDEVICE_OBJECT d = device_named(name);
	PFILE_OBJECT f;
	IRP irp = { 0 };

	if (!d) {
		*status = STATUS_OBJECT_NAME_NOT_FOUND;
		return NULL;
	}
	/* the I/O manager refuses opens until the driver has cleared the flag */
	if (d->Flags & DO_DEVICE_INITIALIZING) {
		*status = STATUS_NO_SUCH_DEVICE;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	f->DeviceObject = d;
	f->HandleCount = 1;
	f->PointerCount = 1;
	irp.Stack.MajorFunction = IRP_MJ_CREATE;
	irp.Stack.FileObject = f;
	irp.Stack.Parameters.Create.SecurityContext = &sc;
	*status = wm_call_driver(p, &irp);
	if (!NT_SUCCESS(*status)) {
		free(f);
		return NULL;
	}
	pthread_mutex_lock(&wm_lock);
	if (d->DriverObject == &drv)
		open_files++;
	else
		open_example_files++;
	pthread_mutex_unlock(&wm_lock);
	return wm_handle_insert(p, f, WM_T_FILE, FILE_ALL_ACCESS);
}

HANDLE wm_open(struct wm_process *p, NTSTATUS *status)
{
	return wm_open_device(p, L"\\Device\\kumem", status);
}

static PFILE_OBJECT file_of(struct wm_process *p, HANDLE h, bool take);

PFILE_OBJECT wm_file_ref(struct wm_process *p, HANDLE h)
{
	return file_of(p, h, false);
}

static PFILE_OBJECT file_of(struct wm_process *p, HANDLE h, bool take)
{
	ULONG_PTR i = ((ULONG_PTR)h >> 2) - 1;
	PFILE_OBJECT f;

	pthread_mutex_lock(&wm_lock);
	if (i >= WM_MAX_HANDLES || p->handles[i].type != WM_T_FILE)
		wm_bugcheck(0xC4, "the scenario used a handle %p %s does not have", h, p->name);
	f = p->handles[i].obj;
	if (take)
		p->handles[i].obj = NULL, p->handles[i].type = 0;
	else
		f->PointerCount++;
	pthread_mutex_unlock(&wm_lock);
	return f;
}

NTSTATUS wm_irp_ioctl_sync(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len,
			   void *out, ULONG out_len, ULONG_PTR *info);

NTSTATUS wm_ioctl(struct wm_process *p, HANDLE h, ULONG code, void *in, ULONG in_len, void *out,
		  ULONG out_len, ULONG_PTR *info)
{
	PFILE_OBJECT f;
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;
	NTSTATUS status = STATUS_SUCCESS;
	ULONG method = code & 3;
	IRP irp = { 0 };
	PMDL mdl = NULL;

	/* METHOD_BUFFERED requests go through the asynchronous path (they may be pended) */
	if (method == 0)
		return wm_irp_ioctl_sync(p, h, code, in, in_len, out, out_len, info);
	f = file_of(p, h, false);
	irp.Stack.MajorFunction = IRP_MJ_DEVICE_CONTROL;
	irp.Stack.FileObject = f;
	irp.Stack.Parameters.DeviceIoControl.IoControlCode = code;
	irp.Stack.Parameters.DeviceIoControl.InputBufferLength = in_len;
	irp.Stack.Parameters.DeviceIoControl.OutputBufferLength = out_len;
	if (method == 1) { /* METHOD_IN_DIRECT: input copied, output locked for reading */
		irp.AssociatedIrp.SystemBuffer = in_len ? calloc(1, in_len) : NULL;
		if (in_len)
			memcpy(irp.AssociatedIrp.SystemBuffer, in, in_len);
		if (out_len) {
			t->proc = p;
			wm_internal(true);
			mdl = IoAllocateMdl(out, out_len, FALSE, FALSE, NULL);
			__try {
				MmProbeAndLockPages(mdl, UserMode, IoReadAccess);
			} __except (EXCEPTION_EXECUTE_HANDLER) {
				status = GetExceptionCode();
			}
			wm_internal(false);
			t->proc = was;
			irp.MdlAddress = mdl;
		}
	} else {
		wm_bugcheck(0xC4, "IOCTL method %u is not modelled", method);
	}
	if (NT_SUCCESS(status))
		status = wm_call_driver(p, &irp);
	if (info)
		*info = irp.IoStatus.Information;
	if (mdl) {
		wm_internal(true);
		if (mdl->MdlFlags & MDL_PAGES_LOCKED)
			MmUnlockPages(mdl);
		IoFreeMdl(mdl);
		wm_internal(false);
	}
	free(irp.AssociatedIrp.SystemBuffer);
	wm_file_deref(f);
	return status;
}

/* A buffered request's system buffer: nonpaged pool of exactly Length (ASan sees any byte
 * past it). A read's is not zeroed on Windows: poison it, so a driver that reports bytes it
 * never wrote hands the caller the poison. Large ones are poisoned at both ends only. */
#define WM_POISON_ALL (64u << 20)

static void *system_buffer(ULONG len, bool write)
{
	uint8_t *b = malloc(len);

	if (!b)
		wm_bugcheck(0x7D, "INSTALL_MORE_MEMORY: no system buffer of %u bytes", len);
	if (write)
		return b;
	if (len <= WM_POISON_ALL) {
		memset(b, 0xcc, len);
	} else {
		memset(b, 0xcc, PAGE_SIZE);
		memset(b + len - PAGE_SIZE, 0xcc, PAGE_SIZE);
	}
	return b;
}

static NTSTATUS read_write(struct wm_process *p, HANDLE h, UCHAR major, void *buf, ULONG len,
			   ULONG_PTR *info)
{
	PFILE_OBJECT f = file_of(p, h, false);
	PDEVICE_OBJECT d = f->DeviceObject;
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;
	bool write = major == IRP_MJ_WRITE;
	NTSTATUS status = STATUS_SUCCESS;
	IRP irp = { 0 };
	PMDL mdl = NULL;
	bool ok;

	irp.Stack.MajorFunction = major;
	irp.Stack.FileObject = f;
	if (write)
		irp.Stack.Parameters.Write.Length = len;
	else
		irp.Stack.Parameters.Read.Length = len;
	if (len && (d->Flags & DO_BUFFERED_IO)) {
		/* NtReadFile/NtWriteFile probe the caller's buffer (a read's for writing) */
		pthread_mutex_lock(&wm_lock);
		ok = wm_user_range_ok(p, buf, len, !write);
		pthread_mutex_unlock(&wm_lock);
		if (!ok) {
			status = STATUS_ACCESS_VIOLATION;
		} else {
			irp.AssociatedIrp.SystemBuffer = system_buffer(len, write);
			if (write)
				memcpy(irp.AssociatedIrp.SystemBuffer, buf, len);
		}
	} else if (len && (d->Flags & DO_DIRECT_IO)) {
		/* the driver reads what is written and writes what is read */
		t->proc = p;
		wm_internal(true);
		mdl = IoAllocateMdl(buf, len, FALSE, FALSE, NULL);
		__try {
			MmProbeAndLockPages(mdl, UserMode, write ? IoReadAccess : IoWriteAccess);
		} __except (EXCEPTION_EXECUTE_HANDLER) {
			status = GetExceptionCode();
		}
		wm_internal(false);
		t->proc = was;
		irp.MdlAddress = mdl;
	}
	/* (neither flag: Irp->UserBuffer, which the model does not carry; kumem refuses) */
	if (NT_SUCCESS(status))
		status = wm_call_driver(p, &irp);
	else
		irp.IoStatus.Information = 0;
	if (NT_SUCCESS(status) && irp.IoStatus.Information > len)
		wm_bugcheck(0xC9,
			    "DRIVER_VERIFIER_IOMANAGER_VIOLATION: IRP_MJ_%s of %u bytes completed "
			    "with Information %llu",
			    write ? "WRITE" : "READ", len,
			    (unsigned long long)irp.IoStatus.Information);
	if (!write && NT_SUCCESS(status) && irp.AssociatedIrp.SystemBuffer)
		memcpy(buf, irp.AssociatedIrp.SystemBuffer, irp.IoStatus.Information);
	if (info)
		*info = irp.IoStatus.Information;
	if (mdl) {
		wm_internal(true);
		if (mdl->MdlFlags & MDL_PAGES_LOCKED)
			MmUnlockPages(mdl); /* also ends the driver's system mapping */
		IoFreeMdl(mdl);
		wm_internal(false);
	}
	free(irp.AssociatedIrp.SystemBuffer);
	wm_file_deref(f);
	return status;
}

NTSTATUS wm_read(struct wm_process *p, HANDLE h, void *buf, ULONG len, ULONG_PTR *info)
{
	return read_write(p, h, IRP_MJ_READ, buf, len, info);
}

NTSTATUS wm_write(struct wm_process *p, HANDLE h, const void *buf, ULONG len, ULONG_PTR *info)
{
	return read_write(p, h, IRP_MJ_WRITE, (void *)buf, len, info);
}

void *wm_file_context(struct wm_process *p, HANDLE h)
{
	PFILE_OBJECT f = file_of(p, h, false);
	void *ctx = f->FsContext;

	wm_file_deref(f); /* the handle keeps it */
	return ctx;
}

void wm_close(struct wm_process *p, HANDLE h)
{
	wm_io_close_handle_obj(p, file_of(p, h, true));
}

HANDLE wm_dup(struct wm_process *from, HANDLE h, struct wm_process *to)
{
	PFILE_OBJECT f = file_of(from, h, false); /* the new handle's pointer reference */

	pthread_mutex_lock(&wm_lock);
	f->HandleCount++;
	pthread_mutex_unlock(&wm_lock);
	return wm_handle_insert(to, f, WM_T_FILE, FILE_ALL_ACCESS);
}

static bool kumem_imported; /* this life of the image began as an import */

/* What Verifier checks when kumem.sys's image goes: nothing it allocated or locked is left. */
static void kumem_image_gone_checks(void)
{
	struct wm_counts c;

	wm_counts(&c);
	if (c.pool_blocks)
		wm_bugcheck(0xC4,
			    "DRIVER_VERIFIER_DETECTED_VIOLATION (0x62): unload with %ld pool "
			    "blocks / MDLs not freed",
			    c.pool_blocks);
	if (c.locked_pages || c.user_mappings || c.kernel_mappings || c.phys_pages)
		wm_bugcheck(0xCB,
			    "DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS: %ld locked, %ld user and %ld "
			    "system mappings, %ld pages left",
			    c.locked_pages, c.user_mappings, c.kernel_mappings, c.phys_pages);
}

/* Drop one hold on kumem.sys's image (the service's or the importer's); the last goes. */
static void kumem_image_release(void)
{
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;

	if (!kumem_image || kumem_service || example_loaded)
		return;
	kumem_image = false;
	if (kumem_imported) {
		t->proc = wm_system;
		if (!NT_SUCCESS(DllUnload()))
			wm_bugcheck(0xCE, "DllUnload failed");
		t->proc = was;
	}
	kumem_imported = false;
	kumem_image_gone_checks();
}

bool wm_kumem_image_loaded(void)
{
	return kumem_image;
}

NTSTATUS wm_driver_load(void)
{
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;
	UNICODE_STRING reg;
	struct wm_counts c;
	NTSTATUS status;

	memset(&drv, 0, sizeof(drv));
	RtlInitUnicodeString(&reg,
			     L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\kumem");
	t->proc = wm_system;
	status = DriverEntry(&drv, &reg);
	t->proc = was;
	if (NT_SUCCESS(status)) {
		kumem_service = kumem_image = true;
		return status;
	}
	/* a failed DriverEntry is unloaded without DriverUnload: it must leave nothing */
	wm_counts(&c);
	if (devices_of(&drv) || links_of(&drv) || c.notify_routines || c.system_threads ||
	    (!example_loaded && c.pool_blocks))
		wm_bugcheck(0xCE,
			    "DriverEntry failed with %#x and left %d devices, %d links, %ld "
			    "pool blocks, %ld notify routines",
			    (unsigned)status, devices_of(&drv), links_of(&drv), c.pool_blocks,
			    c.notify_routines);
	kumem_image_release();
	return status;
}

void wm_driver_unload(void)
{
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;
	struct wm_counts c;

	if (open_files)
		wm_bugcheck(0xC4, "the scenario unloads with %ld files open", open_files);
	t->proc = wm_system;
	drv.DriverUnload(&drv);
	t->proc = was;
	kumem_service = false;
	wm_counts(&c);
	if (devices_of(&drv) || links_of(&drv))
		wm_bugcheck(0xCE,
			    "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS: %d devices, "
			    "%d links left",
			    devices_of(&drv), links_of(&drv));
	if (c.notify_routines || c.system_threads)
		wm_bugcheck(0xCE,
			    "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS: %ld notify "
			    "routines, %ld system threads left",
			    c.notify_routines, c.system_threads);
	/* an importer still loaded keeps the image, and what it holds through the API */
	kumem_image_release();
}

/*
 * kumem_example.sys: the loader resolves its imports first. kumem.sys's image is loaded for
 * it if the service is not running (DllInitialize), or the running one is bound to.
 */
NTSTATUS wm_example_load(void)
{
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;
	UNICODE_STRING reg;
	NTSTATUS status;

	t->proc = wm_system;
	if (!kumem_image) {
		RtlInitUnicodeString(
			&reg, L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\kumem");
		status = DllInitialize(&reg);
		if (!NT_SUCCESS(status)) {
			t->proc = was;
			kumem_image_gone_checks();
			return status;
		}
		kumem_image = kumem_imported = true;
	}
	memset(&example_drv, 0, sizeof(example_drv));
	RtlInitUnicodeString(
		&reg, L"\\Registry\\Machine\\System\\CurrentControlSet\\Services\\kumem_example");
	status = KumemExampleDriverEntry(&example_drv, &reg);
	t->proc = was;
	if (NT_SUCCESS(status)) {
		example_loaded = true;
		return status;
	}
	if (devices_of(&example_drv) || links_of(&example_drv))
		wm_bugcheck(0xCE, "the example's DriverEntry failed and left devices or links");
	kumem_image_release();
	return status;
}

void wm_example_unload(void)
{
	struct wm_thread *t = wm_current();
	struct wm_process *was = t->proc;

	if (open_example_files)
		wm_bugcheck(0xC4, "the scenario unloads the example with %ld files open",
			    open_example_files);
	t->proc = wm_system;
	example_drv.DriverUnload(&example_drv);
	t->proc = was;
	example_loaded = false;
	if (devices_of(&example_drv) || links_of(&example_drv))
		wm_bugcheck(0xCE,
			    "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS: the example "
			    "left %d devices, %d links",
			    devices_of(&example_drv), links_of(&example_drv));
	kumem_image_release();
}

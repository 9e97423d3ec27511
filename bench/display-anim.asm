; Hangar display benchmark guest: a 512-byte BIOS boot sector (nasm -f bin) that animates the whole
; screen without end: VGA mode 13h (320x200, shown by QEMU as 640x400), every frame a new colour
; gradient over all 64000 pixels. Prints "HANGAR-ANIM-OK" on COM1 once it runs.
bits 16
org 0x7c00

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    cld
    ; COM1 115200 8N1
    mov dx, 0x3fb
    mov al, 0x80
    out dx, al
    mov dx, 0x3f8
    mov al, 1
    out dx, al
    inc dx
    xor al, al
    out dx, al
    mov dx, 0x3fb
    mov al, 3
    out dx, al
    mov si, marker
.puts:
    lodsb
    test al, al
    jz .mode
    mov dx, 0x3fd
    mov ah, al
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, 0x3f8
    out dx, al
    jmp .puts
.mode:
    mov ax, 0x0013
    int 0x10
    push word 0xa000
    pop es
    xor bl, bl                  ; frame counter
.frame:
    xor di, di
    mov al, bl
    mov dx, 200
.row:
    mov cx, 320
.px:
    stosb
    inc al
    loop .px
    add al, 3                   ; a different diagonal per row
    dec dx
    jnz .row
    inc bl
    ; ~10 ms pause (BIOS wait, int 15h ah=86h, cx:dx microseconds) so the guest does not hog TCG
    mov ah, 0x86
    xor cx, cx
    mov dx, 10000
    int 0x15
    jmp .frame

marker: db "HANGAR-ANIM-OK", 13, 10, 0

times 510-($-$$) db 0
dw 0xaa55

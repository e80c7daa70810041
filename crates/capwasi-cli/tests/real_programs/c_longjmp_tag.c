/* The exception tag that wasi-libc's setjmp/longjmp runtime (libsetjmp) throws and catches.
 *
 * clang lowers setjmp/longjmp to the wasm exception-handling proposal when built with
 * `-mexception-handling -mllvm -wasm-enable-sjlj -mllvm -wasm-use-legacy-eh=false`, and
 * libsetjmp refers to the tag `__c_longjmp` (one i32: the jmp_buf's address). Zig's prebuilt
 * wasi-libc is compiled without exception handling and does not define it, so programs that
 * use setjmp (Lua's error handling) define it themselves. */
__asm__(".globl __c_longjmp\n.tagtype __c_longjmp i32\n__c_longjmp:\n");

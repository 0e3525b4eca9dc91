using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

internal enum UnicodeForm { NFC, NFD, NFKC, NFKD }

/// <summary>NFC / NFD / NFKC / NFKD. Uses .NET normalization, or ICU directly when the process runs in
/// globalization-invariant mode (where <see cref="string.Normalize(NormalizationForm)"/> is a no-op).</summary>
internal sealed class UnicodeNormalizer(UnicodeForm form) : INormalizer
{
    public UnicodeForm Form { get; } = form;

    public string Normalize(string text)
    {
        if (Ascii.IsValid(text)) return text;
        return Icu.Normalize(text, Form);
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", Form.ToString());
        w.WriteEndObject();
    }

    private static class Icu
    {
        private delegate IntPtr GetInstance(ref int err);
        private unsafe delegate int NormalizeFn(IntPtr norm, char* src, int len, char* dst, int cap, ref int err);

        private static readonly object Gate = new();
        private static bool _initDone;
        private static bool _useDotNet;
        private static NormalizeFn? _normalize;
        private static readonly IntPtr[] Instances = new IntPtr[4];

        private static void Init()
        {
            lock (Gate)
            {
                if (_initDone) return;
                _initDone = true;
                if ("\u00e9".Normalize(NormalizationForm.FormD).Length == 2) { _useDotNet = true; return; }
                for (int v = 90; v >= 50; v--)
                {
                    if (!NativeLibrary.TryLoad($"libicuuc.so.{v}", out var lib)) continue;
                    string sfx = "_" + v;
                    if (!NativeLibrary.TryGetExport(lib, "unorm2_normalize" + sfx,
                        out var fn)) { sfx = ""; if (!NativeLibrary.TryGetExport(lib, "unorm2_normalize", out fn)) continue; }
                    _normalize = Marshal.GetDelegateForFunctionPointer<NormalizeFn>(fn);
                    string[] names = ["unorm2_getNFCInstance", "unorm2_getNFDInstance", "unorm2_getNFKCInstance", "unorm2_getNFKDInstance"];
                    for (int k = 0; k < 4; k++)
                    {
                        var get = Marshal.GetDelegateForFunctionPointer<GetInstance>(NativeLibrary.GetExport(lib, names[k] + sfx));
                        int err = 0;
                        Instances[k] = get(ref err);
                    }
                    return;
                }
                throw new PlatformNotSupportedException("Unicode normalization needs ICU (libicuuc) when globalization-invariant mode is on");
            }
        }

        public static unsafe string Normalize(string text, UnicodeForm form)
        {
            if (!_initDone) Init();
            if (_useDotNet)
                return text.Normalize(form switch
                {
                    UnicodeForm.NFC => NormalizationForm.FormC,
                    UnicodeForm.NFD => NormalizationForm.FormD,
                    UnicodeForm.NFKC => NormalizationForm.FormKC,
                    _ => NormalizationForm.FormKD,
                });
            int cap = text.Length * 3 + 16;
            while (true)
            {
                var buf = new char[cap];
                int err = 0;
                int n;
                fixed (char* src = text)
                fixed (char* dst = buf)
                    n = _normalize!(Instances[(int)form], src, text.Length, dst, cap, ref err);
                if (err == 15 /* U_BUFFER_OVERFLOW_ERROR */) { cap = n + 16; continue; }
                if (err > 0) throw new InvalidOperationException($"ICU normalization failed ({err})");
                return new string(buf, 0, n);
            }
        }
    }
}

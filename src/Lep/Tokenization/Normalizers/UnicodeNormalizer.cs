using System.Text;
using System.Text.Json;

namespace Lep.Tokenization.Normalizers;

public enum UnicodeForm { NFC, NFD, NFKC, NFKD }

/// <summary>NFC / NFD / NFKC / NFKD (ICU through .NET; globalization-invariant mode would make this a no-op,
/// so the projects keep ICU on).</summary>
public sealed class UnicodeNormalizer(UnicodeForm form) : INormalizer
{
    public UnicodeForm Form { get; } = form;

    public string Normalize(string text)
    {
        if (Ascii.IsValid(text)) return text;
        return text.Normalize(Form switch
        {
            UnicodeForm.NFC => NormalizationForm.FormC,
            UnicodeForm.NFD => NormalizationForm.FormD,
            UnicodeForm.NFKC => NormalizationForm.FormKC,
            _ => NormalizationForm.FormKD,
        });
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("type", Form.ToString());
        w.WriteEndObject();
    }
}

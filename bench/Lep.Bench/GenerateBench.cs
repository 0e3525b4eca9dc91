namespace Lep.Bench; public static class GenerateBench { public static void Run(string[] args) => Console.WriteLine("generate: needs the GGUF exporter"); }

using Lep.Bench;

string which = args.Length > 0 ? args[0] : "help";
string[] rest = args.Skip(1).ToArray();
switch (which)
{
    case "safetensors-read": SafetensorsReadBench.Run(rest); break;
    case "train-mfu": TrainMfuBench.Run(rest); break;
    case "generate": GenerateBench.Run(rest); break;
    case "eval-backends": EvalBackendBench.Run(rest); break;
    case "backend-memory": BackendMemoryBench.Run(rest); break;
    case "transformers-fixtures": TransformersFixtures.Run(rest); break;
    case "tokenizer": TokenizerBench.Run(rest); break;
    case "propagation": PropagationBench.Run(rest); break;
    case "propagation-one": PropagationBench.RunOne(rest); break;
    case "all":
        SafetensorsReadBench.Run([]);
        TrainMfuBench.Run([]);
        GenerateBench.Run([]);
        break;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project bench/Lep.Bench -- safetensors-read|train-mfu|generate [tokens] [threads]|eval-backends [CORPUS_DIR] [items]|backend-memory [hidden] [layers]|transformers-fixtures DIR|tokenizer [encode|train]|propagation|all");
        break;
}

using Lep.Cli;

return LepCli.Run(args);

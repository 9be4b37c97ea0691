"Packaging for mimicdiffusion: every setting lives in settings.ini (nbdev's layout)."
from configparser import ConfigParser
import setuptools

assert setuptools.__version__ >= '36.2'
config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

for k in 'version description keywords author author_email'.split():
    assert k in cfg, f'settings.ini is missing `{k}`'

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))
min_python = cfg['min_python']
requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
robustbench_requirements = cfg.get('robustbench_requirements', '').split()   # `robustbench:NAME` classifiers
scripts = [o.strip() for o in cfg.get('console_scripts', '').split('\n') if o.strip()]
package_data = {}
for line in cfg.get('package_data', '').split('\n'):
    if ':' in line:
        pkg, pats = line.split(':', 1)
        package_data[pkg.strip()] = pats.split()

setuptools.setup(
    name=cfg['lib_name'],
    license=lic[0],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: Science/Research',
                 'Natural Language :: English',
                 'Topic :: Scientific/Engineering :: Artificial Intelligence']
                + ([f'License :: {lic[1]}'] if lic[1] else [])
                + [f'Programming Language :: Python :: {o}' for o in py_versions[py_versions.index(min_python):]],
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=['mimicdiffusion', 'mimicdiffusion.*']),
    include_package_data=True,
    package_data=package_data,
    install_requires=requirements,
    extras_require={'dev': dev_requirements + robustbench_requirements, 'robustbench': robustbench_requirements},
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': scripts, 'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    version=cfg['version'], description=cfg['description'], keywords=cfg['keywords'],
    author=cfg['author'], author_email=cfg['author_email'])
